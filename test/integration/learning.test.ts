import * as grpc from '@grpc/grpc-js';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadAdminService } from '../../src/admin-api/router-admin.ts';
import { loadFeedbackService } from '../../src/admin-api/router-feedback.ts';
import { fakeModelLibrary } from '../support/fake-models.ts';
import { startTestRedis, type TestRedis } from '../support/redis-server.ts';
import { type Harness, startHarness } from './harness.ts';

const WAIT = { timeout: 20_000, interval: 50 };

/** Two models the fake quality head scores 0.8 (thinker) and 0.6 (small); the bandit starts on thinker. */
function policy(redisUrl?: string): string {
  return `apiVersion: semantic-router.io/v1
kind: RoutingPolicy
${redisUrl ? `redis:\n  url: ${redisUrl}\n  keyPrefix: 'learning-test:'\n` : ''}models:
  - { name: small, endpoint: { cluster: small } }
  - { name: thinker, endpoint: { cluster: thinker } }
defaultDecision:
  models: [thinker, small]
  selection: { method: bandit, costWeight: { default: 0 }, exploration: 0, priorWeight: 4 }
`;
}

async function chosen(h: Harness): Promise<{ model: string; id: string }> {
  const result = await h.chat('hello');
  return {
    model: result.forwarded?.headers['x-selected-model'] as string,
    id: result.response.headers['x-router-request-id'] as string,
  };
}

async function postOutcomes(
  h: Harness,
  outcomes: unknown[],
): Promise<{ request_id: string; status: string }[]> {
  const response = await fetch(`${h.adminUrl}/v1/router/outcomes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ outcomes }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { results: { request_id: string; status: string }[] }).results;
}

/** Routes and reports thinker down and small up until `h` prefers small. */
async function teachSmall(h: Harness, rounds: number): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    const { model, id } = await chosen(h);
    const [result] = await postOutcomes(h, [{ request_id: id, thumbs: model === 'small' ? 'up' : 'down' }]);
    expect(result?.status).toBe('accepted');
  }
}

describe('learning from feedback in one router', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(policy(), { models: fakeModelLibrary() });
  });
  afterAll(async () => h?.close());

  it('returns x-router-request-id, takes outcomes as JSON, and moves its preference', async () => {
    const first = await chosen(h);
    expect(first.model).toBe('thinker');
    expect(first.id).toMatch(/./);
    await teachSmall(h, 10);
    expect((await chosen(h)).model).toBe('small');
  });

  it('answers a duplicate, an unknown id and an invalid outcome as such', async () => {
    const { id } = await chosen(h);
    const results = await postOutcomes(h, [
      { request_id: id, score: 1 },
      { request_id: id, score: 0 },
      { request_id: 'no-such-request', success: true },
      { request_id: id, score: 7 },
    ]);
    expect(results.map((r) => r.status)).toEqual(['accepted', 'duplicate', 'unknown', 'invalid']);
    const bad = await fetch(`${h.adminUrl}/v1/router/outcomes`, { method: 'POST', body: 'not json' });
    expect(bad.status).toBe(400);
    expect(await h.metric('semantic_router_outcomes_total', { status: 'duplicate' })).toBe(1);
    expect(await h.metric('semantic_router_outcomes_total', { status: 'unknown' })).toBe(1);
  });

  it('takes outcomes through the RouterFeedback gRPC service on the ext_proc port', async () => {
    const { id } = await chosen(h);
    const client = new (loadFeedbackService())(
      `127.0.0.1:${h.router.grpcPort}`,
      grpc.credentials.createInsecure(),
    );
    try {
      const response = await new Promise<{ results: { request_id: string; status: string }[] }>(
        (resolve, reject) => {
          (
            client as unknown as Record<string, (r: unknown, cb: (e: Error | null, v: never) => void) => void>
          ).ReportOutcomes?.(
            {
              outcomes: [
                { request_id: id, success: true },
                { request_id: id, thumbs_up: false },
              ],
            },
            (error, value) => (error ? reject(error) : resolve(value)),
          );
        },
      );
      expect(response.results.map((r) => r.status)).toEqual([
        'OUTCOME_STATUS_ACCEPTED',
        'OUTCOME_STATUS_DUPLICATE',
      ]);
    } finally {
      client.close();
    }
  });
});

describe('explaining a learned choice', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(policy(), { models: fakeModelLibrary() });
  });
  afterAll(async () => h?.close());

  it("shows each candidate's predicted quality, cost and score in x-router-reason and explain, and explain teaches nothing", async () => {
    const routed = await h.chat('hello', {}, { 'x-router-cost-weight': '0' });
    expect(routed.forwarded?.headers['x-router-reason']).toMatch(
      /bandit lambda 0, thinker q 0\.800 cost \$0\.0000\/1k \+-0\.000 \(0 outcomes\) score 0\.800, small q 0\.600/,
    );
    const client = new (loadAdminService())(
      `127.0.0.1:${h.router.grpcPort}`,
      grpc.credentials.createInsecure(),
    );
    try {
      const explained = await new Promise<{ model: string; reason: string[] }>((resolve, reject) => {
        (
          client as unknown as Record<string, (r: unknown, cb: (e: Error | null, v: never) => void) => void>
        ).Explain?.(
          { chat_completion_json: JSON.stringify({ messages: [{ role: 'user', content: 'hello' }] }) },
          (error, value) => (error ? reject(error) : resolve(value)),
        );
      });
      expect(explained.model).toBe('thinker');
      expect(explained.reason).toContain('bandit lambda 0');
      expect(explained.reason.some((line) => line.startsWith('small q 0.600'))).toBe(true);
    } finally {
      client.close();
    }
    const results = await postOutcomes(h, [{ request_id: 'explain', score: 0 }]);
    expect(results[0]?.status).toBe('unknown');
  });
});

describe('learning shared through a real redis-server', () => {
  let redis: TestRedis;
  let a: Harness;
  let b: Harness;
  beforeAll(async () => {
    redis = await startTestRedis();
    a = await startHarness(policy(redis.url), { models: fakeModelLibrary() });
    b = await startHarness(policy(redis.url), { models: fakeModelLibrary() });
    await vi.waitFor(() => {
      expect(a.router.policies.current.redis?.available).toBe(true);
      expect(b.router.policies.current.redis?.available).toBe(true);
    }, WAIT);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await redis?.close();
  });

  it('teaches one router what the other learnt, and an outcome reported to the other replica counts once', async () => {
    expect((await chosen(b)).model).toBe('thinker');
    await teachSmall(a, 10);
    expect((await chosen(a)).model).toBe('small');
    await vi.waitFor(async () => expect((await chosen(b)).model).toBe('small'), WAIT);
    // A request routed by a, its outcome reported to b: b finds the choice in Redis; a then sees a duplicate.
    const { id } = await chosen(a);
    expect((await postOutcomes(b, [{ request_id: id, score: 1 }]))[0]?.status).toBe('accepted');
    expect((await postOutcomes(a, [{ request_id: id, score: 1 }]))[0]?.status).toBe('duplicate');
  });

  it('keeps what was learnt when a router restarts', async () => {
    await a.close();
    a = await startHarness(policy(redis.url), { models: fakeModelLibrary() });
    await vi.waitFor(async () => expect((await chosen(a)).model).toBe('small'), WAIT);
  });

  it('learns locally while Redis is down and shares it when Redis returns, empty, with what was learnt before', async () => {
    const outcomesInRedis = async () => {
      const raw = new Redis(redis.url);
      try {
        const keys = await raw.keys('learning-test:bandit:*');
        const totals = await Promise.all(keys.map((key) => raw.get(key)));
        return totals.reduce((sum, total) => sum + ((JSON.parse(total ?? '[0]') as number[])[0] ?? 0), 0);
      } finally {
        raw.disconnect();
      }
    };
    // Ten lessons taught to a, one reported to b, all synced.
    const before = 11;
    await vi.waitFor(async () => expect(await outcomesInRedis()).toBe(before), WAIT);
    await redis.kill();
    await vi.waitFor(() => expect(a.router.policies.current.redis?.available).toBe(false), WAIT);
    // Teach a back to thinker while Redis is down: a learns at once, b cannot know yet.
    for (let i = 0; i < 40; i++) {
      const { model, id } = await chosen(a);
      await postOutcomes(a, [{ request_id: id, score: model === 'thinker' ? 1 : 0 }]);
    }
    expect((await chosen(a)).model).toBe('thinker');
    expect((await chosen(b)).model).toBe('small');
    await redis.start();
    await vi.waitFor(async () => expect((await chosen(b)).model).toBe('thinker'), WAIT);
    // Redis came back empty (it keeps nothing on disk here): the replicas gave back what they had read.
    await vi.waitFor(async () => expect(await outcomesInRedis()).toBe(before + 40), WAIT);
  });
});
