/**
 * The cache stores nothing a decision's `pii` plugin acted on, in a policy without a `pii` signal:
 * names the plugin redacted, or a request it kept to private models, never reach the cache (or
 * Redis), and are never served from it.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectRouteTo, type Harness, startHarness } from './harness.ts';

const POLICY = `apiVersion: semantic-router.io/v1
kind: RoutingPolicy
metadata: { name: cache-pii-plugin }
models:
  - { name: cloud, endpoint: { cluster: cloud_cluster } }
  - { name: onprem, endpoint: { cluster: onprem_cluster }, private: true }
signals:
  - { type: keyword, name: letters, words: [letter] }
  - { type: keyword, name: hr, words: [payroll] }
decisions:
  - name: letters
    priority: 20
    when: keyword:letters
    models: [cloud]
    plugins: [{ type: pii, action: redact, entities: [PERSON] }]
  - name: payroll
    priority: 10
    when: keyword:hr
    models: [onprem]
    plugins: [{ type: pii, action: private, entities: [PERSON] }]
defaultDecision:
  models: [cloud]
cache:
  threshold: 0.9
  ttlSeconds: 600
`;

let h: Harness;
beforeAll(async () => {
  h = await startHarness(POLICY);
});
afterAll(() => h.close());

const headers = { 'x-tenant-id': 'acme' };

/** Asks until the answer comes from the cache (stores happen after the exchange), or gives up. */
async function untilStored(prompt: string): Promise<void> {
  for (let waited = 0; waited < 5000; waited += 20) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    if (!(await h.chat(prompt, {}, headers)).upstreamCalled) return;
  }
  throw new Error('the answer was never stored');
}

describe('the cache beside pii plugins, without a pii signal', () => {
  it('stores no request whose names a plugin redacted, and stores the same request without them', async () => {
    const named = 'Write a short letter to Maria Gonzalez about the delayed shipment.';
    const first = await h.chat(named, {}, headers);
    expectRouteTo(first, 'cloud', { decision: 'letters' });
    expect(JSON.parse(first.forwarded?.body.toString() ?? '{}').messages[0].content).toContain('[PERSON]');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await h.chat(named, {}, headers)).upstreamCalled).toBe(true);
    const metrics = await fetch(`${h.adminUrl}/metrics`).then((r) => r.text());
    expect(metrics).not.toMatch(/semantic_router_cache_inserts_total\{category="letters"\} [1-9]/);
    const unnamed = 'Write a short letter to my landlord about the delayed shipment.';
    await h.chat(unnamed, {}, headers);
    await untilStored(unnamed);
  });

  it('stores no request a plugin kept to private models', async () => {
    const named = 'Update the payroll record of Sven Hedlund before Friday.';
    expectRouteTo(await h.chat(named, {}, headers), 'onprem', { decision: 'payroll' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await h.chat(named, {}, headers)).upstreamCalled).toBe(true);
  });
});
