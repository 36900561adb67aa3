import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectRouteTo, type Harness, startHarness } from './harness.ts';

const POLICY = `apiVersion: semantic-router.io/v1
kind: RoutingPolicy
metadata: { name: reasoning-integration }
models:
  - { name: qwen, endpoint: { cluster: qwen_cluster }, upstreamModel: Qwen/Qwen3-8B, reasoningFamily: qwen3 }
  - { name: o-model, endpoint: { cluster: openai_cluster }, reasoningFamily: openai }
  - { name: plain, endpoint: { cluster: plain_cluster } }
signals:
  - { type: keyword, name: math, words: [integral, prove, equation] }
  - { type: keyword, name: hard, words: [olympiad] }
  - { type: keyword, name: plain, words: [plain] }
decisions:
  - name: olympiad
    priority: 30
    when: keyword:hard
    models: [o-model]
    plugins: [{ type: reasoning, enabled: true, effort: high }]
  - name: plain
    priority: 20
    when: keyword:plain
    models: [plain]
    plugins: [{ type: reasoning, enabled: true }]
  - name: math
    priority: 10
    when: keyword:math
    models: [qwen]
    plugins: [{ type: reasoning, enabled: true }]
defaultDecision:
  models: [qwen]
  plugins: [{ type: reasoning, enabled: false }]
`;

let h: Harness;
beforeAll(async () => {
  h = await startHarness(POLICY);
});
afterAll(() => h.close());

function forwardedBody(result: Awaited<ReturnType<Harness['chat']>>) {
  const forwarded = result.forwarded;
  expect(Number(forwarded?.headers['content-length'])).toBe(forwarded?.body.length);
  return JSON.parse(forwarded?.body.toString() ?? '{}');
}

describe('switching reasoning per decision', () => {
  it('turns thinking on for a maths prompt and off for chit-chat on a qwen3 model', async () => {
    const math = await h.chat('solve this equation: x^2 = 2', { chat_template_kwargs: { top_k: 20 } });
    expectRouteTo(math, 'qwen', { decision: 'math', bodyModel: 'Qwen/Qwen3-8B' });
    expect(forwardedBody(math).chat_template_kwargs).toEqual({ top_k: 20, enable_thinking: true });

    const chat = await h.chat('hello there, how are you?');
    expectRouteTo(chat, 'qwen', { decision: 'default', bodyModel: 'Qwen/Qwen3-8B' });
    expect(forwardedBody(chat).chat_template_kwargs).toEqual({ enable_thinking: false });
  });

  it('sets reasoning_effort for an openai model, keeping a value the client chose', async () => {
    const olympiad = await h.chat('an olympiad problem');
    expectRouteTo(olympiad, 'o-model', { decision: 'olympiad' });
    expect(forwardedBody(olympiad).reasoning_effort).toBe('high');

    const own = await h.chat('an olympiad problem', { reasoning_effort: 'low' });
    expect(forwardedBody(own).reasoning_effort).toBe('low');
  });

  it('leaves the body of a model without a reasoning family alone', async () => {
    const result = await h.chat('plain question', { model: 'plain' });
    expectRouteTo(result, 'plain', { decision: 'plain' });
    expect(result.forwarded?.body.toString()).not.toMatch(/reasoning_effort|chat_template_kwargs/);
  });
});
