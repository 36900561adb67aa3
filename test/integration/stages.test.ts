/**
 * The seams for stages to come (a cache, a learning selector): a stage may answer a request early
 * with a complete response, JSON or an event stream, and may watch the response of a routed one.
 */

import { sseUpstream } from 'envoy-extproc-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { explainPrompts } from '../../src/explain.ts';
import type { Registry } from '../../src/policy/registry.ts';
import { builtinRegistry } from '../../src/registry.ts';
import type { ResponseObserver } from '../../src/response/response-observer.ts';
import { defineStage } from '../../src/stages/stage-definition.ts';
import { chatRequest, expectRouteTo, type Harness, startHarness } from './harness.ts';
import { TEST_POLICY } from './policy.ts';

/** What the test stage's observers saw, one list of events per watched response. */
const seen: string[][] = [];

/** A test-only stage: answers `params.prompt` itself; watches every other response, and throws on "throw". */
const cannedStage = defineStage({
  key: 'canned',
  description: 'Answers one prompt from memory (test only).',
  params: z.object({ prompt: z.string() }).strict(),
  create: (params) => ({
    name: 'canned',
    async answer({ request, model }) {
      const last = request.chat.messages.at(-1)?.text ?? '';
      if (last === 'throw') throw new Error('stage bug');
      // Far past the budget of the policy below that has one of 300 ms.
      if (last === 'slowly') await new Promise((resolve) => setTimeout(resolve, 900));
      if (last !== params.prompt) return undefined;
      const completion = {
        id: 'canned',
        object: 'chat.completion',
        choices: [{ index: 0, message: { role: 'assistant', content: `from memory of ${model.name}` } }],
      };
      const response = request.chat.stream
        ? {
            status: 200,
            headers: { 'content-type': 'text/event-stream' },
            body: Buffer.from(`data: ${JSON.stringify(completion)}\n\ndata: [DONE]\n\n`),
          }
        : {
            status: 200,
            headers: { 'content-type': 'application/json' },
            body: Buffer.from(JSON.stringify(completion)),
          };
      return { response, reason: 'canned answer' };
    },
    observe({ request, model }) {
      const events: string[] = [`model ${model.name}`];
      seen.push(events);
      const watcher: ResponseObserver = {
        readsBody: true,
        started: (r) =>
          events.push(
            `started ${r.status} ${r.streamed ? 'streamed' : 'buffered'} ${r.headers.get('content-type')}`,
          ),
        body: (piece) => {
          if (request.chat.messages.at(-1)?.text === 'observer bug') throw new Error('observer bug');
          events.push(`body ${piece.length}`);
        },
        ended: (end) => events.push(end.complete ? 'ended complete' : 'ended cut'),
      };
      return watcher;
    },
  }),
});

const registry: Registry = { ...builtinRegistry, stages: [cannedStage] };
const POLICY = `${TEST_POLICY}canned: { prompt: what is the answer? }\n`;

let h: Harness;
beforeAll(async () => {
  h = await startHarness(POLICY, { registry });
});
afterAll(() => h.close());

describe('explain', () => {
  it('lets no stage answer or watch: asking changes and counts nothing', async () => {
    const before = seen.length;
    const prompts = [
      { id: 'a', text: 'what is the answer?' },
      { id: 'b', text: 'hello there' },
    ];
    const explained = [];
    for await (const line of explainPrompts(h.router.policies.current, prompts)) explained.push(line);
    expect(explained.map((line) => line.answered)).toEqual([undefined, undefined]);
    expect(seen.length).toBe(before);
  });
});

describe('a stage that answers early', () => {
  it('answers with a complete JSON response, saying why; no model is called', async () => {
    const result = await h.chat('what is the answer?');
    expect(result.outcome).toBe('immediate_response');
    expect(result.upstreamCalled).toBe(false);
    expect(result.response.status).toBe(200);
    expect(result.response.headers['content-type']).toBe('application/json');
    // It answers after selection, as the model chosen for the request.
    expect(JSON.parse(result.response.body.toString()).choices[0].message.content).toBe(
      'from memory of small',
    );
    expect(result.response.headers['x-router-reason']).toContain('canned answer');
    expect(result.response.headers['x-request-id']).toBeDefined();
  });

  it('answers as the model selection chose, after the decision’s plugins', async () => {
    const result = await h.chat('what is the answer?', { model: 'large' });
    expect(JSON.parse(result.response.body.toString()).choices[0].message.content).toBe(
      'from memory of large',
    );
  });

  it('answers a request that streams with server-sent events ending in [DONE]', async () => {
    const result = await h.chat('what is the answer?', { stream: true });
    expect(result.response.headers['content-type']).toBe('text/event-stream');
    expect(result.response.body.toString()).toMatch(/^data: \{.*\}\n\ndata: \[DONE\]\n\n$/s);
  });

  it('that fails is skipped and counted; the request is routed', async () => {
    const before = await h.metric('semantic_router_degradations_total', { kind: 'stage_error' });
    expectRouteTo(await h.chat('throw'), 'small');
    expect(await h.metric('semantic_router_degradations_total', { kind: 'stage_error' })).toBe(before + 1);
  });
});

describe('a stage that watches the response', () => {
  it('sees a buffered response start, its body and its end', async () => {
    seen.length = 0;
    expectRouteTo(await h.chat('python question'), 'large', { bodyModel: 'large-served-name' });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.[0]).toBe('model large');
    expect(seen[0]?.[1]).toBe('started 200 buffered application/json');
    expect(seen[0]?.[2]).toMatch(/^body \d+$/);
    expect(seen[0]?.at(-1)).toBe('ended complete');
  });

  it('sees each chunk of a streamed response', async () => {
    seen.length = 0;
    const upstream = sseUpstream(['data: {"choices":[]}', 'data: {"choices":[]}', 'data: [DONE]']);
    await h.send(chatRequest('python question', { stream: true }), upstream);
    const events = seen[0] ?? [];
    expect(events[1]).toBe('started 200 streamed text/event-stream');
    expect(events.filter((e) => e.startsWith('body')).length).toBeGreaterThanOrEqual(1);
    expect(events.at(-1)).toBe('ended complete');
  });

  it('learns that a response was cut when the client goes away', async () => {
    seen.length = 0;
    const controller = new AbortController();
    const slow = sseUpstream(['data: {"choices":[]}', 'data: {"choices":[]}', 'data: [DONE]'], {
      delayMs: 200,
    });
    const exchange = h.send(chatRequest('python question', { stream: true }), slow, {
      signal: controller.signal,
      onResponseChunk: () => controller.abort(),
    });
    await expect(exchange).rejects.toThrow();
    for (let waited = 0; seen[0]?.at(-1) !== 'ended cut' && waited < 5000; waited += 10) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(seen[0]?.at(-1)).toBe('ended cut');
  });

  it('that throws is dropped and counted; the response goes on', async () => {
    const before = await h.metric('semantic_router_degradations_total', { kind: 'observer_error' });
    expectRouteTo(await h.chat('observer bug'), 'small');
    expect(await h.metric('semantic_router_degradations_total', { kind: 'observer_error' })).toBe(before + 1);
  });
});

describe('a route that ends after the budget', () => {
  const LATE_POLICY = `apiVersion: semantic-router.io/v1
kind: RoutingPolicy
metadata: { name: late }
settings: { budgetMs: 300, onError: default-route }
models:
  - { name: small, endpoint: { cluster: small_cluster } }
  - { name: large, endpoint: { cluster: large_cluster } }
signals:
  - { type: keyword, name: slow, words: [slowly] }
decisions:
  - { name: slow, when: keyword:slow, models: [large] }
defaultDecision: { models: [small] }
canned: { prompt: what is the answer? }
`;
  let late: Harness;
  beforeAll(async () => {
    late = await startHarness(LATE_POLICY, { registry });
  });
  afterAll(() => late.close());

  it('is dropped: the default route answers, and the late choice watches nothing of its response', async () => {
    const before = seen.length;
    const upstream = sseUpstream(['{"choices":[]}', '{"choices":[]}', '{"choices":[]}', '{"choices":[]}'], {
      delayMs: 400,
    });
    const result = await late.send(chatRequest('slowly', { stream: true }), upstream);
    expect(result.upstreamCalled).toBe(true);
    expect(result.response.headers['x-router-model']).toBe('small');
    const watched = seen.slice(before);
    expect(watched).toEqual([['model large', 'ended cut']]);
  });
});
