import { afterEach, describe, expect, it, vi } from 'vitest';
import { SemanticCache } from './semantic-cache.ts';
import { PartitionIndex } from './vector-index.ts';

/** A unit vector of 8 dimensions pointing mostly along `axis`, tilted by `tilt`. */
function vector(axis: number, tilt = 0): Float32Array {
  const v = new Float32Array(8);
  v[axis % 8] = 1;
  v[(axis + 1) % 8] = tilt;
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

/** A random unit vector (seeded), for many distinct entries. */
function randomVector(seed: number): Float32Array {
  let state = seed * 2654435761;
  const v = new Float32Array(8).map(() => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31 - 0.5;
  });
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

const caches: SemanticCache[] = [];
function cache(): SemanticCache {
  const made = new SemanticCache(undefined);
  caches.push(made);
  return made;
}
afterEach(() => {
  for (const made of caches.splice(0)) made.close();
});

const COMPLETION = { object: 'chat.completion', choices: [{ index: 0, message: { content: 'answer' } }] };

function fields(question: string, v: Float32Array, partition = 'p', exactKey = question) {
  return {
    partition,
    exactKey,
    category: 'c',
    identity: 't',
    decision: 'd',
    model: 'm',
    question,
    vector: v,
    ttlMs: 60_000,
  };
}

const query = (question: string, v: Float32Array, partition = 'p') => ({
  partition,
  exactKey: `${question}?`,
  question,
  vector: async () => v,
  threshold: 0.9,
  verifier: { maxUnmatchedWords: 6, maxUnmatchedShare: 0.34, maxExtraWords: 1 },
});

describe('the semantic cache', () => {
  it('finds an entry by its exact key and by a close vector, only in its own partition', async () => {
    const c = cache();
    await c.insert(fields('How do I sort a list in Python?', vector(0)), COMPLETION);
    const exact = await c.lookup(
      { ...query('x', vector(5)), exactKey: 'How do I sort a list in Python?' },
      'c',
    );
    expect(exact).toMatchObject({ hit: true, tier: 'exact' });
    const close = await c.lookup(query('how can I sort a list in python', vector(0, 0.1)), 'c');
    expect(close).toMatchObject({ hit: true, tier: 'semantic' });
    expect((await c.lookup(query('how can I sort a list in python', vector(0, 0.1), 'other'), 'c')).hit).toBe(
      false,
    );
    expect((await c.lookup(query('how can I sort a list in python', vector(3)), 'c')).hit).toBe(false);
  });

  it('lets the verifier refuse a close candidate that asks otherwise, and counts it', async () => {
    const c = cache();
    await c.insert(fields('How do I enable 2FA?', vector(0)), COMPLETION);
    const result = await c.lookup(query('How do I disable 2FA?', vector(0, 0.05)), 'c');
    expect(result).toMatchObject({ hit: false, verifierRejections: 1 });
    expect(c.stats('c').verifierRejections).toBe(1);
  });

  it('serves a question longer than the verifier reads from the exact tier only', async () => {
    const c = cache();
    // 64-character sentences, so that no cut of the text falls inside a word.
    const document = 'The quarterly report says revenue grew in every single region.  '.repeat(90);
    await c.insert(fields(`${document}Translate the above into French.`, vector(0)), COMPLETION);
    const asked = `${document}Summarize the above.`;
    expect((await c.lookup(query(asked, vector(0)), 'c')).hit).toBe(false);
    const stored = `${document}Translate the above into French.`;
    expect(await c.lookup({ ...query(stored, vector(0)), exactKey: stored }, 'c')).toMatchObject({
      hit: true,
      tier: 'exact',
    });
    await c.insert(fields('How do I sort a list in Python?', vector(1)), COMPLETION);
    expect((await c.lookup(query(`${document}How do I sort a list in Python?`, vector(1)), 'c')).hit).toBe(
      false,
    );
  });

  it('never serves an expired entry, and the sweep removes it from the index', async () => {
    const c = cache();
    const now = Date.now();
    await c.insert(fields('What is a monad?', vector(1)), COMPLETION, now);
    expect((await c.lookup(query('What is a monad', vector(1)), 'c', now + 59_000)).hit).toBe(true);
    expect((await c.lookup(query('What is a monad', vector(1)), 'c', now + 60_000)).hit).toBe(false);
    await c.insert(fields('What is a functor?', vector(2), 'p', 'k2'), COMPLETION, now);
    expect(await c.sweepExpired(now + 61_000)).toBe(1);
    expect(c.size).toBe(0);
  });

  it('does not store an answer asked for before an invalidation that matches it', async () => {
    const c = cache();
    const askedAt = Date.now();
    c.invalidated({ identity: 't' });
    expect(await c.insert({ ...fields('What is a monad?', vector(1)), askedAt }, COMPLETION)).toBeUndefined();
    expect(c.size).toBe(0);
    // Asked well after it (more than the clocks of replicas may differ by).
    const again = askedAt + 1000;
    c.invalidated({ identity: 'someone else' });
    expect(
      await c.insert({ ...fields('What is a monad?', vector(1)), askedAt: again }, COMPLETION),
    ).toBeDefined();
    expect(c.size).toBe(1);
  });

  it('keeps entries other replicas stored within the quota too', () => {
    const c = cache();
    c.setDefaultQuota(20);
    const now = Date.now();
    for (let i = 0; i < 100; i++) {
      c.added({
        ...fields(`Question number ${i}?`, randomVector(i), 'p', `k${i}`),
        id: `remote-${i}`,
        createdAt: now,
        expiresAt: now + 60_000,
        bytes: 100,
      });
    }
    expect(c.size).toBeLessThanOrEqual(20);
  });

  it('refuses another replica’s entry made before an invalidation that matches it, and takes a later one', () => {
    const c = cache();
    const now = Date.now();
    const remote = (id: string, createdAt: number) => ({
      ...fields(`Question ${id}?`, randomVector(id.length), 'p', id),
      id,
      createdAt,
      expiresAt: now + 60_000,
      bytes: 100,
    });
    c.invalidated({ identity: 't', model: 'm' }, now);
    c.added(remote('before', now - 1000));
    expect(c.size).toBe(0);
    c.added({ ...remote('other-model', now - 1000), model: 'm2' });
    c.added(remote('after', now + 1000));
    expect(c.size).toBe(2);
  });

  it('serves no invalidated entry from the moment it is invalidated, and removes them a batch per turn', async () => {
    const c = cache();
    for (let i = 0; i < 2500; i++)
      await c.insert(fields(`question number ${i}`, randomVector(i + 1), 'p', `k${i}`), COMPLETION);
    const exact = { ...query('question number 7', randomVector(8)), exactKey: 'k7' };
    expect((await c.lookup(exact, 'c')).hit).toBe(true);
    const removing = c.invalidated({ identity: 't' });
    expect(c.size).toBeGreaterThan(0);
    expect((await c.lookup(exact, 'c')).hit).toBe(false);
    expect((await c.lookup({ ...exact, exactKey: 'nope' }, 'c')).hit).toBe(false);
    expect(await removing).toBe(2500);
    expect(c.size).toBe(0);
  });

  it('keeps to a lowered quota a batch per turn', async () => {
    const c = cache();
    for (let i = 0; i < 2500; i++)
      await c.insert(fields(`question number ${i}`, randomVector(i + 1), 'p', `k${i}`), COMPLETION);
    c.setQuota('c', 10);
    await c.insert(fields('one more', randomVector(9999), 'p', 'more'), COMPLETION);
    expect(c.size).toBeGreaterThan(10);
    await vi.waitFor(() => expect(c.size).toBe(10));
    expect(c.stats('c').evictions).toBe(2491);
  });

  it('keeps a category within its quota, evicting the least hit per byte first (aged), and stays searchable', async () => {
    const c = cache();
    c.setQuota('c', 50);
    const popular = { ...query('x', vector(4)), exactKey: 'What is a popular answer?' };
    await c.insert(fields('What is a popular answer?', vector(4)), COMPLETION);
    for (let i = 0; i < 5; i++) await c.lookup(popular, 'c');
    const ask = (i: number) =>
      c.insert(fields(`question number ${i}`, randomVector(i + 1), 'p', `k${i}`), COMPLETION);
    for (let i = 0; i < 150; i++) await ask(i);
    expect(c.size).toBe(50);
    expect(c.stats('c').evictions).toBe(101);
    expect((await c.lookup(popular, 'c')).hit).toBe(true);
    // The newest entry stays, though older ones never hit either are a byte shorter.
    const last = await c.lookup(
      { ...query('question number 149', randomVector(150)), exactKey: 'nope' },
      'c',
    );
    expect(last).toMatchObject({ hit: true, tier: 'semantic', similarity: expect.closeTo(1, 3) });
    // Hits long ago do not keep an entry forever: many generations of new entries age it out.
    for (let i = 150; i < 1500; i++) await ask(i);
    expect(c.size).toBe(50);
    expect((await c.lookup(popular, 'c')).hit).toBe(false);
  });

  it('invalidates by tenant, decision, model or category', async () => {
    const c = cache();
    await c.insert({ ...fields('a question', vector(0)), identity: 't1' }, COMPLETION);
    await c.insert({ ...fields('b question', vector(1), 'p', 'b'), identity: 't2', model: 'm2' }, COMPLETION);
    expect(await c.invalidate({ model: 'm2' })).toBe(1);
    expect(await c.invalidate({ identity: 't2' })).toBe(0);
    expect(await c.invalidate({})).toBe(1);
    expect(c.size).toBe(0);
  });
});

describe('a partition index', () => {
  const settle = async (done: () => boolean) => {
    for (let turns = 0; !done() && turns < 1000; turns++) await new Promise((r) => setImmediate(r));
    expect(done()).toBe(true);
  };

  it('scans while small, builds a graph once it grows, and still finds every live point', async () => {
    const index = new PartitionIndex(8);
    for (let i = 0; i < 100; i++) index.add(i, randomVector(i + 1));
    expect(index.graph).toBe(false);
    expect(index.search(randomVector(51), 1)[0]?.label).toBe(50);
    for (let i = 100; i < 1500; i++) index.add(i, randomVector(i + 1));
    await settle(() => index.graph);
    for (let i = 0; i < 1500; i += 37) expect(index.search(randomVector(i + 1), 1)[0]?.label).toBe(i);
  });

  it('takes in the points added and removed while it builds, a batch per turn, before it swaps the graph in', async () => {
    const index = new PartitionIndex(8);
    for (let i = 0; i < 300; i++) index.add(i, randomVector(i + 1));
    expect(index.building).toBe(true);
    // All in the same turn as the build's start: its first batch has not run yet.
    for (let i = 300; i < 3000; i++) index.add(i, randomVector(i + 1));
    for (let i = 0; i < 3000; i += 3) index.remove(i);
    expect(index.graph).toBe(false);
    await settle(() => !index.building);
    expect(index.graph).toBe(true);
    expect(index.size).toBe(2000);
    // Every live point is found (itself, or a point of the same vector: the seeded vectors repeat).
    for (let i = 1; i < 3000; i += 3)
      expect(index.search(randomVector(i + 1), 1)[0]?.similarity).toBeCloseTo(1, 4);
    for (let i = 0; i < 3000; i += 7)
      for (const { label } of index.search(randomVector(i + 1), 4)) expect(label % 3).not.toBe(0);
  });

  it('rebuilds after many deletes, and goes back to scanning when small again', async () => {
    const index = new PartitionIndex(8);
    for (let i = 0; i < 1500; i++) index.add(i, randomVector(i + 1));
    await settle(() => index.graph);
    for (let i = 0; i < 1000; i++) index.remove(i);
    // Rebuilt once deleted points outnumbered live ones; those deleted during the rebuild stay marked.
    await settle(() => index.deleted < 64);
    expect(index.size).toBe(500);
    for (let i = 1000; i < 1500; i += 7) expect(index.search(randomVector(i + 1), 1)[0]?.label).toBe(i);
    for (let i = 1000; i < 1400; i++) index.remove(i);
    expect(index.graph).toBe(false);
    expect(index.search(randomVector(1451), 1)[0]?.label).toBe(1450);
  });
});
