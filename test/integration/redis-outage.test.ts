import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestRedis, type TestRedis } from '../support/redis-server.ts';
import { capturingLogger, expectRouteTo, type Harness, startHarness } from './harness.ts';

const WAIT = { timeout: 20_000, interval: 50 };

let redis: TestRedis;
let h: Harness;
const { logger, lines } = capturingLogger();

beforeAll(async () => {
  redis = await startTestRedis();
  const policy = `apiVersion: semantic-router.io/v1
kind: RoutingPolicy
redis:
  url: ${redis.url}
  keyPrefix: 'outage-test:'
models:
  - { name: small, endpoint: { cluster: small } }
defaultDecision:
  models: [small]
`;
  h = await startHarness(policy, { logger });
});
afterAll(async () => {
  await h?.close();
  await redis?.close();
});

async function readiness() {
  const response = await fetch(`${h.adminUrl}/readyz`);
  return {
    status: response.status,
    body: (await response.json()) as { status: string; degraded: { kind: string; subject: string }[] },
  };
}

describe('a router whose Redis goes away and comes back', () => {
  it('connects to the Redis its policy names', async () => {
    await vi.waitFor(() => expect(h.router.policies.current.redis?.available).toBe(true), WAIT);
    expect((await readiness()).body.status).toBe('ready');
  });

  it('keeps routing while Redis is down, reports the outage in /readyz, counts and logs it once', async () => {
    await redis.kill();
    await vi.waitFor(async () => expect((await readiness()).body.status).toBe('degraded'), WAIT);
    expect((await readiness()).body.degraded).toEqual([
      expect.objectContaining({ kind: 'redis_unavailable', subject: redis.url }),
    ]);
    expectRouteTo(await h.chat('hello'), 'small');
    // Reconnection attempts keep failing meanwhile; the outage is still one.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await h.metric('semantic_router_degradations_total', { kind: 'redis_unavailable' })).toBe(1);
    expect(lines.filter((line) => line.msg?.toString().startsWith('redis unavailable'))).toHaveLength(1);
  });

  it('is ready again when Redis returns', async () => {
    await redis.start();
    await vi.waitFor(async () => expect((await readiness()).body.status).toBe('ready'), WAIT);
    expect(lines.filter((line) => line.msg === 'redis available again')).toHaveLength(1);
    expectRouteTo(await h.chat('hello'), 'small');
  });
});
