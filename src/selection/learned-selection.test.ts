import { describe, expect, it } from 'vitest';
import { fakeModelLibrary } from '../../test/support/fake-models.ts';
import { loadPolicyText } from '../policy/load.ts';
import type { RuntimePolicy } from '../policy/runtime-policy.ts';
import { builtinRegistry } from '../registry.ts';
import { parseChatRequest } from '../request/chat-request.ts';
import { RouterRequest } from '../request/router-request.ts';
import { learningHub } from './learning-hub.ts';

/** `small` is cheap and answers 0.6 of prompts well (the fake quality head), `thinker` 0.8 at ten times the price. */
function policyWith(selection: string, extraModel = ''): string {
  return `apiVersion: semantic-router.io/v1
kind: RoutingPolicy
models:
  - name: small
    endpoint: { cluster: small_cluster }
    pricing: { inputPerMillion: 1, outputPerMillion: 1 }
    expectedOutputTokens: 1000
    capabilities: { tools: false }
  - name: thinker
    endpoint: { cluster: thinker_cluster }
    pricing: { inputPerMillion: 10, outputPerMillion: 10 }
    expectedOutputTokens: 1000
${extraModel}defaultDecision:
  models: [thinker, small]
  selection: ${selection}
`;
}

function compile(text: string, processState: object = {}): RuntimePolicy {
  return loadPolicyText(text, builtinRegistry, 'test.yaml', { models: fakeModelLibrary(), processState });
}

let ids = 0;
function request(prompt: string, headers: Record<string, string> = {}, body: Record<string, unknown> = {}) {
  const raw = Buffer.from(
    JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: prompt }], ...body }),
  );
  return new RouterRequest(`req-${++ids}`, new Map(Object.entries(headers)), parseChatRequest(raw));
}

async function pick(policy: RuntimePolicy, req: RouterRequest) {
  const decision = policy.defaultDecision;
  return decision.selector.select({
    request: req,
    decision: decision.name,
    candidates: decision.candidates,
    signals: new Map(),
  });
}

/** Selects, then lets the chosen model answer (200), as a routed exchange would. */
async function route(policy: RuntimePolicy, req: RouterRequest) {
  const selection = await pick(policy, req);
  selection.observer?.started?.({ status: 200, headers: new Map(), streamed: false, elapsedMs: 5 });
  return selection;
}

describe('cost-aware selection', () => {
  // Costs per 1,000 requests of a short prompt: small about $1.0, thinker about $10.0; quality 0.6 and 0.8.
  it.each([
    { name: 'λ 0 picks the better model whatever it costs', lambda: 0, expected: 'thinker' },
    {
      name: 'λ 0.01 values $9 per 1,000 requests less than 0.2 of quality',
      lambda: 0.01,
      expected: 'thinker',
    },
    { name: 'λ 0.1 values $9 per 1,000 requests more than 0.2 of quality', lambda: 0.1, expected: 'small' },
  ])('$name', async ({ lambda, expected }) => {
    const policy = compile(policyWith(`{ method: cost-aware, costWeight: { default: ${lambda} } }`));
    expect((await pick(policy, request('hello'))).model.name).toBe(expected);
  });

  it('takes λ from x-router-cost-weight, clamped to the policy bounds', async () => {
    const policy = compile(
      policyWith('{ method: cost-aware, costWeight: { default: 0, min: 0, max: 0.05 } }'),
    );
    expect((await pick(policy, request('hello'))).model.name).toBe('thinker');
    // 1 is clamped to 0.05: still more than the 0.022 at which the two tie.
    const clamped = await pick(policy, request('hello', { 'x-router-cost-weight': '1' }));
    expect(clamped.model.name).toBe('small');
    expect(clamped.notes).toContain('cost weight header clamped to 0.05');
    const ignored = await pick(policy, request('hello', { 'x-router-cost-weight': 'cheap' }));
    expect(ignored.model.name).toBe('thinker');
    expect(ignored.notes).toContain('cost weight header ignored (not a number)');
  });

  it('explains each candidate: quality, cost and score', async () => {
    const policy = compile(policyWith('{ method: cost-aware, costWeight: { default: 0 } }'));
    const { notes } = await pick(policy, request('hello'));
    expect(notes?.[0]).toBe('cost-aware lambda 0');
    expect(notes?.[1]).toMatch(/^thinker q 0\.800 cost \$\d+\.\d{4}\/1k score 0\.800$/);
    expect(notes?.[2]).toMatch(/^small q 0\.600 cost/);
  });

  it('skips candidates without a capability the request needs', async () => {
    const policy = compile(policyWith('{ method: cost-aware, costWeight: { default: 100 } }'));
    const tools = [{ type: 'function', function: { name: 'f', parameters: {} } }];
    const chosen = await pick(policy, request('hello', {}, { tools }));
    expect(chosen.model.name).toBe('thinker');
    expect(chosen.notes).toContain('tools required');
  });

  it('gives up quality for speed by latencyWeight, once responses show how long each model takes', async () => {
    const processState = {};
    const policy = compile(
      policyWith('{ method: cost-aware, costWeight: { default: 0 }, latencyWeight: 0.1 }'),
      processState,
    );
    expect((await pick(policy, request('hello'))).model.name).toBe('thinker');
    // thinker's responses take 4 s, small's 1 s: 0.3 of quality lost to thinker's slowness outweighs its 0.2 gain.
    for (const [model, ms] of [
      ['thinker', 4000],
      ['small', 1000],
    ] as const) {
      const hub = learningHub(processState);
      hub.sawLatency(model, ms / 1000);
    }
    const chosen = await pick(policy, request('hello'));
    expect(chosen.model.name).toBe('small');
    expect(chosen.notes?.[1]).toMatch(/^small q 0\.600 cost \$\d+\.\d{4}\/1k 1\.000s score 0\.500$/);
  });

  it("learns a model's latency from its complete responses", async () => {
    const processState = {};
    const policy = compile(policyWith('{ method: cost-aware, costWeight: { default: 0 } }'), processState);
    const { observer } = await pick(policy, request('hello'));
    observer?.started?.({ status: 200, headers: new Map(), streamed: false, elapsedMs: 900 });
    observer?.ended?.({ complete: true, elapsedMs: 1500 });
    expect(learningHub(processState).expectedLatency('thinker')).toBe(1.5);
  });

  it("uses the catalog's prior for a model the head does not know", async () => {
    const extra = `  - name: mystery
    endpoint: { cluster: mystery_cluster }
    quality: { prior: 0.99 }
`;
    const text = policyWith('{ method: cost-aware, costWeight: { default: 0 } }', extra).replace(
      'models: [thinker, small]',
      'models: [thinker, small, mystery]',
    );
    const chosen = await pick(compile(text), request('hello'));
    expect(chosen.model.name).toBe('mystery');
    expect(chosen.notes?.[1]).toMatch(/^mystery q 0\.990 \(prior\)/);
  });
});

describe('bandit selection', () => {
  const BANDIT = '{ method: bandit, costWeight: { default: 0 }, exploration: 0, priorWeight: 4 }';

  it('starts from the quality estimate and moves when feedback says so', async () => {
    const processState = {};
    const policy = compile(policyWith(BANDIT), processState);
    const hub = learningHub(processState);
    expect((await pick(policy, request('hello'))).model.name).toBe('thinker');
    // thinker keeps failing, small keeps succeeding (small is chosen only once thinker has fallen behind).
    for (let i = 0; i < 20; i++) {
      const req = request('hello');
      const chosen = await route(policy, req);
      const status = await hub.report(req.id, { score: chosen.model.name === 'thinker' ? 0 : 1 });
      expect(status).toBe('accepted');
    }
    expect((await pick(policy, request('hello'))).model.name).toBe('small');
  });

  it('samples with thompson: explores while unsure, then settles on what feedback favours', async () => {
    const processState = {};
    const policy = compile(
      policyWith(
        '{ method: bandit, costWeight: { default: 0 }, exploration: 1, priorWeight: 4, sampling: thompson }',
      ),
      processState,
    );
    const hub = learningHub(processState);
    const picked = new Set<string>();
    for (let i = 0; i < 60; i++) {
      const req = request('hello');
      const chosen = await route(policy, req);
      picked.add(chosen.model.name);
      await hub.report(req.id, { score: chosen.model.name === 'small' ? 1 : 0 });
    }
    // Both were tried while the posteriors were wide; then small, which succeeds, wins nearly always.
    expect(picked).toEqual(new Set(['thinker', 'small']));
    let small = 0;
    for (let i = 0; i < 40; i++) if ((await pick(policy, request('hello'))).model.name === 'small') small++;
    expect(small).toBeGreaterThanOrEqual(32);
  });

  it('keeps what it learnt when the policy is reloaded', async () => {
    const processState = {};
    const first = compile(policyWith(BANDIT), processState);
    const hub = learningHub(processState);
    for (let i = 0; i < 10; i++) {
      const req = request('hello');
      await route(first, req);
      await hub.report(req.id, { thumbs: 'down' });
    }
    const reloaded = compile(policyWith(BANDIT), processState);
    expect((await pick(reloaded, request('hello'))).model.name).toBe('small');
  });

  it('takes one outcome per request id: a second is a duplicate, an id never routed is unknown', async () => {
    const processState = {};
    const policy = compile(policyWith(BANDIT), processState);
    const hub = learningHub(processState);
    const req = request('hello');
    await route(policy, req);
    expect(await hub.report(req.id, { success: true })).toBe('accepted');
    expect(await hub.report(req.id, { success: false })).toBe('duplicate');
    expect(await hub.report('never-routed', { score: 1 })).toBe('unknown');
    expect(await hub.report(req.id, { score: 2 })).toBe('invalid');
    expect(await hub.report(req.id, { score: 1, thumbs: 'up' })).toBe('invalid');
    expect(await hub.report('x'.repeat(10_000), { score: 1 })).toBe('invalid');
    expect(hub.counts).toEqual({ accepted: 1, duplicate: 1, unknown: 1, invalid: 3 });
  });

  it('awaits an outcome only once the chosen model answers (not for a request answered otherwise)', async () => {
    const processState = {};
    const policy = compile(policyWith(BANDIT), processState);
    const hub = learningHub(processState);
    const answeredElsewhere = request('hello');
    await pick(policy, answeredElsewhere);
    expect(await hub.report(answeredElsewhere.id, { score: 1 })).toBe('unknown');
    const routed = request('hello');
    await route(policy, routed);
    expect(await hub.report(routed.id, { score: 1 })).toBe('accepted');
  });

  it('learns a failure from a 5xx response', async () => {
    const processState = {};
    const policy = compile(policyWith(BANDIT), processState);
    const hub = learningHub(processState);
    const req = request('hello');
    const chosen = await pick(policy, req);
    chosen.observer?.started?.({ status: 503, headers: new Map(), streamed: false, elapsedMs: 5 });
    chosen.observer?.ended?.({ complete: true, elapsedMs: 6 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(hub.counts.accepted).toBe(1);
    expect(await hub.report(req.id, { score: 1 })).toBe('duplicate');
  });
});
