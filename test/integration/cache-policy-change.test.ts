/**
 * A policy change that changes what the model is asked never lets the cache serve an answer made
 * before it: the partition holds a digest of the decision's plugins and of the model's endpoint,
 * upstream name and reasoning family. A change that does not (a price) keeps the entries.
 */

import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Harness, startHarness } from './harness.ts';

const WAIT = { timeout: 20_000, interval: 50 };

function policy(systemPrompt: string, upstreamModel: string, price: number): string {
  return `apiVersion: semantic-router.io/v1
kind: RoutingPolicy
metadata: { name: cache-policy-change }
models:
  - name: assistant
    endpoint: { cluster: assistant_cluster }
    upstreamModel: ${upstreamModel}
    pricing: { inputPerMillion: ${price}, outputPerMillion: ${price} }
defaultDecision:
  models: [assistant]
  plugins: [{ type: system-prompt, text: '${systemPrompt}', mode: replace }]
cache:
  threshold: 0.9
  ttlSeconds: 600
`;
}

let h: Harness;
beforeAll(async () => {
  h = await startHarness(policy('Answer briefly.', 'vendor-large-1', 1));
});
afterAll(() => h.close());

const headers = { 'x-tenant-id': 'acme' };
const ask = () => h.chat('What is the boiling point of water at sea level?', {}, headers);

async function reload(text: string): Promise<void> {
  const before = h.router.policies.current.digest;
  writeFileSync(h.policyFile, text);
  await vi.waitFor(() => expect(h.router.policies.current.digest).not.toBe(before), WAIT);
}

describe('the cache across policy changes', () => {
  it('serves no answer made under another system prompt or upstream model, and keeps them over a price change', async () => {
    await ask();
    await vi.waitFor(async () => expect((await ask()).upstreamCalled).toBe(false), WAIT);

    await reload(policy('Answer briefly.', 'vendor-large-1', 2));
    expect((await ask()).upstreamCalled).toBe(false);

    await reload(policy('Answer in French.', 'vendor-large-1', 2));
    expect((await ask()).upstreamCalled).toBe(true);
    await vi.waitFor(async () => expect((await ask()).upstreamCalled).toBe(false), WAIT);

    await reload(policy('Answer in French.', 'vendor-large-2', 2));
    expect((await ask()).upstreamCalled).toBe(true);
  });
});
