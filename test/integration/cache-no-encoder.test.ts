/**
 * A cache whose encoder cannot load stays out of the way: requests are routed as without it, and
 * nothing is counted per request (the encoder's failure is reported once, as model_unavailable).
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeModelLibrary } from '../support/fake-models.ts';
import { expectRouteTo, type Harness, startHarness } from './harness.ts';
import { TEST_POLICY } from './policy.ts';

let h: Harness;
beforeAll(async () => {
  const models = fakeModelLibrary({
    staticEncoder: async () => {
      throw new Error('encoder file damaged');
    },
  });
  h = await startHarness(`${TEST_POLICY}cache: {}\n`, { models });
});
afterAll(() => h.close());

describe('a cache without its encoder', () => {
  it('routes every request, counts no stage error, and reports the encoder once', async () => {
    const headers = { 'x-tenant-id': 'acme' };
    for (let i = 0; i < 3; i++)
      expectRouteTo(await h.chat('How do I sort a list in python?', {}, headers), 'large', {
        bodyModel: 'large-served-name',
      });
    expect(await h.metric('semantic_router_degradations_total', { kind: 'stage_error' })).toBe(0);
    expect(await h.metric('semantic_router_degradations_total', { kind: 'model_unavailable' })).toBe(1);
  });
});
