/**
 * The cache under load: while the model that would answer is overloaded (here: slow to answer),
 * its requests accept a lower threshold, within the policy's bounds; once it recovers, the usual
 * threshold applies again.
 */

import { echoUpstream, type Upstream } from 'envoy-extproc-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatRequest, type Harness, startHarness } from './harness.ts';
import { TEST_POLICY } from './policy.ts';

const POLICY = `${TEST_POLICY}cache:
  threshold: 0.99
  loadAdaptive: { maxInFlight: 1000, maxLatencyMs: 40, maxErrorRate: 0.9, threshold: 0.9, ttlSeconds: 600 }
`;

let h: Harness;
beforeAll(async () => {
  h = await startHarness(POLICY);
});
afterAll(() => h.close());

const slow: Upstream = async (request) => {
  await new Promise((resolve) => setTimeout(resolve, 150));
  return echoUpstream(request);
};

describe('a cache that adapts to load', () => {
  it('serves a paraphrase to an overloaded model at its lower threshold, and not otherwise', async () => {
    const headers = { 'x-tenant-id': 'load' };
    // Asked with no-store, so that its own answer never becomes an exact entry.
    const paraphrase = () =>
      h.send(
        chatRequest(
          'how can I sort a list in python',
          {},
          { headers: { ...headers, 'x-router-cache-control': 'no-store' } },
        ),
      );
    await h.chat('How do I sort a list in Python?', {}, headers);
    for (
      let tries = 0;
      tries < 50 &&
      !(await h.chat('How do I sort a list in Python?', {}, headers)).response.headers['x-router-cache'];
      tries++
    );
    // Similar (about 0.97) but under the usual threshold of 0.99: a miss while the model is well.
    expect((await paraphrase()).upstreamCalled).toBe(true);
    // The large model turns slow (requests without a tenant are never cached).
    for (let i = 0; i < 6; i++) await h.send(chatRequest('python question without a tenant'), slow);
    const hit = await paraphrase();
    expect(hit.upstreamCalled).toBe(false);
    expect(hit.response.headers['x-router-reason']).toMatch(/large overloaded: \d+ ms to first byte/);
    // It recovers: fast answers bring the moving average down, and the usual threshold is back.
    for (let i = 0; i < 30; i++) await h.chat('python question without a tenant');
    expect((await paraphrase()).upstreamCalled).toBe(true);
  });
});
