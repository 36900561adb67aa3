import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { expectRouteTo, type Harness, startHarness } from './harness.ts';
import { TEST_POLICY } from './policy.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function until(check: () => Promise<boolean> | boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('policy hot reload', () => {
  it('serves a changed file once it is saved, swapping the whole policy', async () => {
    h = await startHarness(TEST_POLICY);
    const harness = h;
    expectRouteTo(await harness.chat('hello there'), 'small', { decision: 'default' });
    const before = harness.router.policies.current.digest;
    writeFileSync(
      harness.policyFile,
      TEST_POLICY.replace('defaultDecision:\n  models: [small]', 'defaultDecision:\n  models: [large]'),
    );
    await until(() => harness.router.policies.current.digest !== before);
    expectRouteTo(await harness.chat('hello there'), 'large', {
      decision: 'default',
      bodyModel: 'large-served-name',
    });
    expect(await harness.metric('semantic_router_policy_reloads_total', { result: 'ok' })).toBe(1);
  });

  it('sees a file replaced by rename, as editors and ConfigMap updates do', async () => {
    h = await startHarness(TEST_POLICY);
    const harness = h;
    const before = harness.router.policies.current.digest;
    const staged = `${harness.policyFile}.tmp`;
    writeFileSync(
      staged,
      TEST_POLICY.replace('metadata: { name: integration }', 'metadata: { name: renamed }'),
    );
    renameSync(staged, harness.policyFile);
    await until(() => harness.router.policies.current.digest !== before);
    expect(harness.router.policies.current.policy.metadata?.name).toBe('renamed');
  });

  it('keeps serving the old policy when the new file is invalid, and reports it', async () => {
    h = await startHarness(TEST_POLICY);
    const harness = h;
    const before = harness.router.policies.current;
    writeFileSync(harness.policyFile, TEST_POLICY.replace('when: keyword:code', 'when: keyword:missing'));
    await until(
      async () => (await harness.metric('semantic_router_policy_reloads_total', { result: 'error' })) === 1,
    );
    expect(harness.router.policies.current).toBe(before);
    expectRouteTo(await harness.chat('python'), 'large', {
      decision: 'code',
      bodyModel: 'large-served-name',
    });
    expect(await harness.metric('semantic_router_degradations_total', { kind: 'policy_reload_failed' })).toBe(
      1,
    );
    // Still serving, so ready, but degraded until a reload succeeds; the answer names no host path.
    const response = await fetch(`${harness.adminUrl}/readyz`);
    expect(response.status).toBe(200);
    const ready = await response.json();
    expect(ready).toMatchObject({
      status: 'degraded',
      policy: { name: 'integration', sha256: before.digest, file: 'policy.yaml' },
      degraded: [
        {
          kind: 'policy_reload_failed',
          subject: 'policy.yaml',
          reason: expect.stringContaining('keyword:missing'),
        },
      ],
    });
    expect(JSON.stringify(ready)).not.toContain(harness.policyFile);
    expect((await fetch(`${harness.adminUrl}/readyz?strict`)).status).toBe(503);
    // The broken file on disk is not what is served.
    expect(readFileSync(harness.policyFile, 'utf8')).toContain('keyword:missing');
  });

  it('pins the policy per exchange: a request in flight finishes under the policy it started with', async () => {
    h = await startHarness(TEST_POLICY);
    const harness = h;
    const before = harness.router.policies.current.digest;
    const { chatRequest } = await import('./harness.ts');
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    // Headers go out, then the emulator waits in the upstream; the body phase already ran.
    const inFlight = harness.send(chatRequest('hello there'), async (forwarded) => {
      await gate;
      return {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: JSON.parse(forwarded.body.toString()).model }),
      };
    });
    writeFileSync(
      harness.policyFile,
      TEST_POLICY.replace('defaultDecision:\n  models: [small]', 'defaultDecision:\n  models: [large]'),
    );
    await until(() => harness.router.policies.current.digest !== before);
    release();
    const result = await inFlight;
    expect(result.forwarded?.headers['x-selected-model']).toBe('small');
    expect(result.response.headers['x-router-model']).toBe('small');
  });
});
