import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSnapshot, saveSnapshot } from './cache-snapshot.ts';
import { SemanticCache } from './semantic-cache.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'cache-snapshot-'));
const caches: SemanticCache[] = [];
afterAll(() => {
  for (const cache of caches) cache.close();
  rmSync(dir, { recursive: true, force: true });
});

function cache(): SemanticCache {
  const made = new SemanticCache(undefined);
  caches.push(made);
  return made;
}

const answer = (text: string) => ({
  object: 'chat.completion',
  choices: [{ index: 0, message: { content: text } }],
});

async function filled(): Promise<SemanticCache> {
  const c = cache();
  for (const [i, ttlMs] of [60_000, 60_000, 1].entries()) {
    await c.insert(
      {
        partition: 'p',
        exactKey: `k${i}`,
        category: 'c',
        identity: 't',
        decision: 'd',
        model: 'm',
        question: `question ${i}`,
        vector: Float32Array.from([1, i, 0, 0].map((x) => x / Math.hypot(1, i))),
        ttlMs,
      },
      answer(`answer ${i}`),
    );
  }
  return c;
}

const exact = (key: string) => ({
  partition: 'p',
  exactKey: key,
  question: 'q',
  vector: async () => Float32Array.from([0, 0, 1, 0]),
  threshold: 0.9,
  verifier: undefined,
});

describe('cache snapshots', () => {
  it('give a new cache the live entries and answers of the old one, made with the same encoder', async () => {
    const file = path.join(dir, 'round-trip.jsonl');
    const old = await filled();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await saveSnapshot(old, file, 'encoder-a')).toBe(2);
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);

    const fresh = cache();
    expect(await loadSnapshot(fresh, file, 'encoder-a')).toBe(2);
    const hit = await fresh.lookup(exact('k1'), 'c');
    expect(hit).toMatchObject({ hit: true, tier: 'exact', completion: answer('answer 1') });
    expect((await fresh.lookup(exact('k2'), 'c')).hit).toBe(false);

    expect(await loadSnapshot(cache(), file, 'encoder-b')).toBe(0);
  });

  it('reads nothing from a missing file and skips damaged lines', async () => {
    expect(await loadSnapshot(cache(), path.join(dir, 'none.jsonl'), 'encoder-a')).toBe(0);
    const file = path.join(dir, 'damaged.jsonl');
    await saveSnapshot(await filled(), file, 'encoder-a');
    const [header, first, second] = readFileSync(file, 'utf8').split('\n');
    writeFileSync(
      file,
      [header, '{not json', '{"entry":{"id":1}}', first?.slice(0, 40), second, ''].join('\n'),
    );
    expect(await loadSnapshot(cache(), file, 'encoder-a')).toBe(1);
  });

  it('reports a file it cannot write, leaving nothing behind', async () => {
    const missing = path.join(dir, 'no-such-dir');
    await expect(saveSnapshot(await filled(), path.join(missing, 'x.jsonl'), 'encoder-a')).rejects.toThrow(
      /ENOENT/,
    );
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});
