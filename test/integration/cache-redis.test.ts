/**
 * The cache over Redis, against a real redis-server: replicas share entries and invalidations, a
 * replica that starts late catches up, and an outage loses no request (the cache keeps to memory
 * meanwhile) and is counted once.
 */

import { writeFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestRedis, type TestRedis } from '../support/redis-server.ts';
import { type Harness, startHarness } from './harness.ts';
import { TEST_POLICY } from './policy.ts';

const WAIT = { timeout: 20_000, interval: 50 };

let redis: TestRedis;
let a: Harness;
let b: Harness;
let late: Harness | undefined;
let policy: string;

beforeAll(async () => {
  redis = await startTestRedis();
  policy = `${TEST_POLICY}redis:
  url: ${redis.url}
  keyPrefix: 'cache-test:'
  commandTimeoutMs: 200
cache:
  threshold: 0.9
`;
  a = await startHarness(policy);
  b = await startHarness(policy);
  await vi.waitFor(() => {
    expect(a.router.policies.current.redis?.available).toBe(true);
    expect(b.router.policies.current.redis?.available).toBe(true);
  }, WAIT);
}, 30_000);
afterAll(async () => {
  await late?.close();
  await a?.close();
  await b?.close();
  await redis?.close();
});

const acme = { 'x-tenant-id': 'acme' };
const globex = { 'x-tenant-id': 'globex' };

async function invalidate(h: Harness, filter: object): Promise<number> {
  const response = await fetch(`${h.adminUrl}/cache/invalidate`, {
    method: 'POST',
    body: JSON.stringify(filter),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { removed: number }).removed;
}

describe('replicas sharing a cache through Redis', () => {
  it('serve from one replica an answer another stored, only to its tenant', async () => {
    expect((await a.chat('How do python list comprehensions work?', {}, acme)).upstreamCalled).toBe(true);
    expect((await a.chat('What is a python virtualenv?', {}, globex)).upstreamCalled).toBe(true);
    await vi.waitFor(async () => {
      const hit = await b.chat('how do python list comprehensions work', {}, acme);
      expect(hit.response.headers['x-router-cache']).toBe('hit');
    }, WAIT);
    expect((await b.chat('how do python list comprehensions work', {}, globex)).upstreamCalled).toBe(true);
  });

  it('catch up when one starts late', async () => {
    late = await startHarness(policy);
    await vi.waitFor(async () => {
      const hit = await late?.chat('How do python list comprehensions work?', {}, acme);
      expect(hit?.upstreamCalled).toBe(false);
    }, WAIT);
  });

  it('drop a tenant’s entries everywhere when one replica invalidates them', async () => {
    await vi.waitFor(async () => {
      expect((await b.chat('What is a python virtualenv?', {}, globex)).upstreamCalled).toBe(false);
    }, WAIT);
    expect(await invalidate(a, { tenant: 'acme' })).toBeGreaterThanOrEqual(1);
    await vi.waitFor(async () => {
      expect((await b.chat('How do python list comprehensions work?', {}, acme)).upstreamCalled).toBe(true);
    }, WAIT);
    expect((await b.chat('What is a python virtualenv?', {}, globex)).upstreamCalled).toBe(false);
  });

  it('shrug off malformed messages on their channel: anyone who can publish there is not trusted', async () => {
    const publisher = new Redis(redis.url);
    try {
      for (const message of [
        'null',
        '[]',
        '42',
        'not json',
        '{"op":"put","id":5}',
        '{"op":"invalidate","filter":null}',
        '{"op":"put","id":"x","entry":{"id":7}}',
        '{"op":"put","id":"x","entry":null}',
      ])
        await publisher.publish('cache-test:cache:events', message);
    } finally {
      publisher.disconnect();
    }
    expect((await a.chat('What does python zip do?', {}, acme)).upstreamCalled).toBe(true);
    await vi.waitFor(async () => {
      expect((await b.chat('What does python zip do?', {}, acme)).upstreamCalled).toBe(false);
    }, WAIT);
  });

  it('keep sharing after a reload opens a new connection to the same Redis', async () => {
    // A tenant no invalidation named (entries made just after one that matches them are refused by
    // the other replicas: their clocks may differ a little). Asked without storing, so that only
    // the other replica's entry can answer.
    const initech = { 'x-tenant-id': 'initech' };
    const lookOnly = { ...initech, 'x-router-cache-control': 'no-store' };
    const before = b.router.policies.current.digest;
    writeFileSync(b.policyFile, policy.replace('commandTimeoutMs: 200', 'commandTimeoutMs: 300'));
    await vi.waitFor(() => expect(b.router.policies.current.digest).not.toBe(before), WAIT);
    await vi.waitFor(() => expect(b.router.policies.current.redis?.available).toBe(true), WAIT);
    expect((await b.chat('What does python enumerate return?', {}, initech)).upstreamCalled).toBe(true);
    await vi.waitFor(async () => {
      expect((await a.chat('What does python enumerate return?', {}, lookOnly)).upstreamCalled).toBe(false);
    }, WAIT);
    expect((await a.chat('What does python reversed return?', {}, initech)).upstreamCalled).toBe(true);
    await vi.waitFor(async () => {
      expect((await b.chat('What does python reversed return?', {}, lookOnly)).upstreamCalled).toBe(false);
    }, WAIT);
  });

  it('wait on a hung Redis no longer than its timeout, keep what it could not read, and deliver an invalidation made meanwhile when it answers again', async () => {
    const keep = { 'x-tenant-id': 'keep' };
    const drop = { 'x-tenant-id': 'drop' };
    const lookOnly = (tenant: Record<string, string>) => ({
      ...tenant,
      'x-router-cache-control': 'no-store',
    });
    await a.chat('What does python sorted return?', {}, keep);
    await a.chat('What does python sum return?', {}, drop);
    await vi.waitFor(async () => {
      expect((await b.chat('What does python sorted return?', {}, lookOnly(keep))).upstreamCalled).toBe(
        false,
      );
      expect((await b.chat('What does python sum return?', {}, lookOnly(drop))).upstreamCalled).toBe(false);
    }, WAIT);
    const storeErrors = () => b.metric('semantic_router_cache_store_errors_total');
    const errorsBefore = await storeErrors();
    redis.pause();
    try {
      // b holds the entry but not its answer (a stored it): unreadable now, so a miss, not an error.
      const during = await b.chat('What does python sorted return?', {}, lookOnly(keep));
      expect(during.response.status).toBe(200);
      expect(during.upstreamCalled).toBe(true);
      expect(await storeErrors()).toBe(errorsBefore + 1);
      const refused = await fetch(`${a.adminUrl}/cache/invalidate`, {
        method: 'POST',
        body: JSON.stringify({ tenant: 'drop' }),
      });
      expect(refused.status).toBe(503);
    } finally {
      redis.resume();
    }
    // The queued invalidation reaches b once Redis answers; the entry b could not read is still there.
    await vi.waitFor(async () => {
      expect((await b.chat('What does python sum return?', {}, lookOnly(drop))).upstreamCalled).toBe(true);
    }, WAIT);
    expect((await b.chat('What does python sorted return?', {}, lookOnly(keep))).upstreamCalled).toBe(false);
  }, 60_000);

  it('lose no request while Redis is down, count the outage once, and share again when it returns', async () => {
    const before = await a.metric('semantic_router_degradations_total', { kind: 'redis_unavailable' });
    await redis.kill();
    await vi.waitFor(() => expect(a.router.policies.current.redis?.available).toBe(false), WAIT);
    const during = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        a.chat(`python question number ${i % 5} during the outage`, {}, acme),
      ),
    );
    for (const result of during) expect(result.response.status).toBe(200);
    // Answers stored meanwhile are kept in this replica's memory.
    await vi.waitFor(async () => {
      expect((await a.chat('python question number 1 during the outage', {}, acme)).upstreamCalled).toBe(
        false,
      );
    }, WAIT);
    expect(await a.metric('semantic_router_degradations_total', { kind: 'redis_unavailable' })).toBe(
      before + 1,
    );
    // An invalidation that cannot reach the other replicas says so, rather than claiming success.
    const refused = await fetch(`${a.adminUrl}/cache/invalidate`, {
      method: 'POST',
      body: JSON.stringify({ tenant: 'nobody' }),
    });
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: string }).error).toMatch(
      /other replicas will be told when Redis is back/,
    );
    await redis.start();
    await vi.waitFor(() => {
      expect(a.router.policies.current.redis?.available).toBe(true);
      expect(b.router.policies.current.redis?.available).toBe(true);
    }, WAIT);
    await a.chat('How do python decorators work?', {}, acme);
    await vi.waitFor(async () => {
      expect((await b.chat('How do python decorators work?', {}, acme)).upstreamCalled).toBe(false);
    }, WAIT);
  }, 60_000);
});
