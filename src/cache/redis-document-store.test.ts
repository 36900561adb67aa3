import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestRedis, type TestRedis } from '../../test/support/redis-server.ts';
import { RedisConnections } from '../state/redis-connections.ts';
import { RedisSettingsSchema } from '../state/redis-settings.ts';
import type { CacheEntry, InvalidationFilter } from './cache-entry.ts';
import { RedisDocumentStore, ReplicasNotTold, StoreUnreachable } from './redis-document-store.ts';

/** Generous: the machine may be busy; nothing here measures time. */
const WAIT = { timeout: 20_000, interval: 20 };
const COMPLETION = { object: 'chat.completion', choices: [{ index: 0, message: { content: 'answer' } }] };

let redis: TestRedis;
let connections: RedisConnections;
const stores: RedisDocumentStore[] = [];
beforeAll(async () => {
  redis = await startTestRedis();
  connections = new RedisConnections({ unavailable() {}, restored() {} });
});
afterAll(async () => {
  for (const store of stores) store.close();
  await connections?.close();
  await redis?.close();
});

function entry(id: string, identity: string, createdAt: number): CacheEntry {
  return {
    id,
    partition: `p-${identity}`,
    exactKey: `k-${id}`,
    category: 'c',
    identity,
    decision: 'd',
    model: 'm',
    question: `question ${id}`,
    vector: Float32Array.from([1, 0, 0, 0]),
    createdAt,
    expiresAt: createdAt + 600_000,
    bytes: 100,
  };
}

/** A replica's store, with what it was told. */
function replica(keyPrefix: string) {
  const shared = connections.connect(
    RedisSettingsSchema.parse({ url: redis.url, keyPrefix, commandTimeoutMs: 200 }),
  );
  const added: string[] = [];
  const invalidated: { filter: InvalidationFilter; at: number }[] = [];
  const store = new RedisDocumentStore(shared, {
    added: (e) => added.push(e.id),
    invalidated: (filter, at) => {
      invalidated.push({ filter, at });
      return undefined;
    },
  });
  stores.push(store);
  return { shared, store, added, invalidated };
}

describe('cache documents in a real Redis', () => {
  it('never hands a late replica an entry made before an invalidation that matches it, though its document outlived it', async () => {
    const first = replica('late:');
    await vi.waitFor(() => expect(first.shared.available).toBe(true), WAIT);
    const now = Date.now();
    await first.store.put(entry('old-t1', 't1', now - 1000), COMPLETION);
    await first.store.put(entry('old-t2', 't2', now - 1000), COMPLETION);
    // The invalidating replica held neither entry (evicted, say): nothing deleted the documents.
    await first.store.publishInvalidation({ identity: 't1' }, now);
    await first.store.put(entry('new-t1', 't1', now + 1000), COMPLETION);

    const late = replica('late:');
    await late.store.catchUp();
    expect(late.added.sort()).toEqual(['new-t1', 'old-t2']);
    const raw = new Redis(redis.url);
    try {
      expect(await raw.get('late:cache:doc:old-t1')).toBeNull();
      expect(await raw.zscore('late:cache:ids', 'old-t1')).toBeNull();
    } finally {
      raw.disconnect();
    }
  });

  it('tells the other replicas the entry itself, so they need not read its document', async () => {
    const one = replica('tell:');
    const other = replica('tell:');
    await vi.waitFor(() => expect(other.shared.available).toBe(true), WAIT);
    await one.store.put(entry('told', 't1', Date.now()), COMPLETION);
    await vi.waitFor(() => expect(other.added).toContain('told'), WAIT);
  });

  it('queues an invalidation a hung Redis did not take, sends it when Redis answers again, and reports unreadable documents as unreachable', async () => {
    const one = replica('hung:');
    const other = replica('hung:');
    await vi.waitFor(() => expect(one.shared.available && other.shared.available).toBe(true), WAIT);
    await one.store.put(entry('kept', 't1', Date.now()), COMPLETION);
    redis.pause();
    try {
      await expect(other.store.get('kept')).rejects.toBeInstanceOf(StoreUnreachable);
      await expect(one.store.publishInvalidation({ model: 'm' }, 1234)).rejects.toBeInstanceOf(
        ReplicasNotTold,
      );
    } finally {
      redis.resume();
    }
    await vi.waitFor(() => expect(other.invalidated).toEqual([{ filter: { model: 'm' }, at: 1234 }]), WAIT);
    expect(await other.store.get('kept')).toEqual(COMPLETION);
  });
});
