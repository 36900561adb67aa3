import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  capturingLogger,
  chatRequest,
  expectImmediate,
  expectRouteTo,
  type Harness,
  startHarness,
} from './harness.ts';
import { TEST_POLICY } from './policy.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness(TEST_POLICY);
});
afterAll(() => h.close());

describe('routing chat requests', () => {
  it.each([
    {
      name: 'a keyword decision',
      prompt: 'fix my python loop',
      headers: {},
      model: 'large',
      decision: 'code',
    },
    {
      name: 'the default decision',
      prompt: 'what is the capital of France?',
      headers: {},
      model: 'small',
      decision: 'default',
    },
    {
      name: 'a header decision',
      prompt: 'hello',
      headers: { 'x-user-tier': 'premium' },
      model: 'large',
      decision: 'premium',
    },
    {
      name: 'a long prompt',
      prompt: 'lorem ipsum '.repeat(200),
      headers: {},
      model: 'large',
      decision: 'long',
    },
  ])('routes by $name', async ({ prompt, headers, model, decision }) => {
    const result = await h.chat(prompt, {}, headers);
    expectRouteTo(result, model, { decision, bodyModel: model === 'large' ? 'large-served-name' : model });
    expect(result.forwarded?.headers['x-router-cluster']).toBe(`${model}_cluster`);
  });

  it('skips a candidate whose context window is too small for the prompt', async () => {
    const result = await h.chat('lorem ipsum '.repeat(200));
    expect(result.forwarded?.headers['x-router-reason']).toContain('small window < ');
  });

  it('explains the decision in x-router-reason with the evidence', async () => {
    const result = await h.chat('python and rust');
    expect(result.forwarded?.headers['x-router-reason']).toBe('keyword:code(python, rust)');
  });

  it('rewrites only the model and the system prompt, keeps other fields, fixes content-length', async () => {
    const request = chatRequest('write python', {
      temperature: 0.3,
      max_tokens: 50,
      tools: [{ type: 'function', function: { name: 'f' } }],
    });
    const result = await h.send(request);
    const body = JSON.parse(result.forwarded?.body.toString() ?? '');
    expect(body).toMatchObject({
      model: 'large-served-name',
      temperature: 0.3,
      max_tokens: 50,
      tools: [{ type: 'function' }],
    });
    expect(body.messages).toEqual([
      { role: 'system', content: 'You are a coding assistant.' },
      { role: 'user', content: 'write python' },
    ]);
    expect(Number(result.forwarded?.headers['content-length'])).toBe(result.forwarded?.body.length);
    expect(result.forwarded?.headers['x-team']).toBe('platform');
    expect(result.rejectedMutations).toEqual([]);
  });

  it('honours a requested real model, and still lets rules see it', async () => {
    expectRouteTo(await h.chat('plain question', { model: 'large' }), 'large', {
      bodyModel: 'large-served-name',
    });
    // premium users asking for `small` explicitly do not match the premium decision
    expectRouteTo(await h.chat('hello', { model: 'small' }, { 'x-user-tier': 'premium' }), 'small', {
      decision: 'default',
    });
  });

  it('routes an unknown requested model by policy', async () => {
    expectRouteTo(await h.chat('hello', { model: 'gpt-unknown' }), 'small');
  });

  it('rejects by policy with the plugin status and an OpenAI-style error, saying which signal fired', async () => {
    const result = await h.chat('tell me about the forbidden topic');
    const error = expectImmediate(result, 451, 'banned_topic');
    expect(error.message).toBe('This topic is not served here.');
    expect(result.response.headers['x-router-decision']).toBe('banned');
    expect(result.response.headers['x-router-reason']).toBe('keyword:banned(forbidden topic)');
    h.envoy.close();
    await h.router.close(100);
    // The log line names the signal too.
    const { logger, lines } = capturingLogger();
    h = await startHarness(TEST_POLICY, { logger });
    await h.chat('tell me about the forbidden topic');
    // The line is written when the stream ends, just after the exchange.
    for (let waited = 0; !lines.some((line) => line.msg === 'request') && waited < 5000; waited += 10) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(lines.find((line) => line.msg === 'request')).toMatchObject({
      outcome: 'reject',
      decision: 'banned',
      reason: ['keyword:banned(forbidden topic)'],
      message: 'This topic is not served here.',
    });
  });

  it('answers malformed JSON with 400 and an OpenAI-style error', async () => {
    const result = await h.send({ ...chatRequest('x'), body: '{"model": "auto", "messages": [' });
    const error = expectImmediate(result, 400, 'bad_request');
    expect(error.message).toContain('not valid JSON');
    expect(error.type).toBe('invalid_request_error');
  });

  it('answers a chat body without messages with 400', async () => {
    expectImmediate(await h.send({ ...chatRequest('x'), body: '{"model":"auto"}' }), 400, 'bad_request');
  });

  it('answers 413 from the headers when content-length is over the limit', async () => {
    const big = chatRequest('y'.repeat(5000));
    const result = await h.send(big);
    expectImmediate(result, 413, 'payload_too_large');
    expect(result.immediateResponse?.phase).toBe('request_headers');
  });

  it('answers 413 from the body when a chunked body is over the limit', async () => {
    const { body, ...big } = chatRequest('y'.repeat(5000));
    const headers = { 'content-type': 'application/json', 'transfer-encoding': 'chunked' };
    const result = await h.send({ ...big, headers, bodyChunks: [String(body)] });
    expectImmediate(result, 413, 'payload_too_large');
    expect(result.immediateResponse?.phase).toBe('request_body');
  });

  it('counts requests by decision and model', async () => {
    const before = await h.metric('semantic_router_requests_total', {
      decision: 'code',
      model: 'large',
      outcome: 'route',
    });
    await h.chat('rust question');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(
      await h.metric('semantic_router_requests_total', {
        decision: 'code',
        model: 'large',
        outcome: 'route',
      }),
    ).toBe(before + 1);
  });
});

describe('passing other traffic through', () => {
  it('answers GET /v1/models itself: the virtual models, then every model of the policy', async () => {
    const result = await h.send({ method: 'GET', path: '/v1/models?limit=5' });
    expect(result.outcome).toBe('immediate_response');
    expect(result.upstreamCalled).toBe(false);
    expect(result.response.status).toBe(200);
    const list = JSON.parse(result.response.body.toString());
    expect(list.object).toBe('list');
    expect(list.data.map((m: { id: string }) => m.id)).toEqual(['auto', 'small', 'large']);
    expect(list.data[0]).toMatchObject({
      object: 'model',
      owned_by: 'semantic-router',
      created: expect.any(Number),
    });
  });

  it.each([
    {
      name: 'POST /v1/embeddings',
      request: {
        method: 'POST',
        path: '/v1/embeddings',
        headers: { 'content-type': 'application/json' },
        body: '{"input":"x"}',
      },
    },
    { name: 'an unknown path', request: { method: 'POST', path: '/nope', body: 'not json at all' } },
    { name: 'GET on the chat path', request: { method: 'GET', path: '/v1/chat/completions' } },
  ])('$name goes upstream untouched, and the rest of the exchange skips the router', async ({ request }) => {
    const result = await h.send(request, () => ({
      status: 200,
      headers: { 'content-type': 'text/plain' },
      body: 'upstream',
    }));
    expect(result.outcome).toBe('completed');
    expect(result.response.status).toBe(200);
    expect(result.response.body.toString()).toBe('upstream');
    expect(result.forwarded?.headers['x-selected-model']).toBeUndefined();
    expect(result.forwarded?.body.toString()).toBe(request.body ?? '');
    expect(result.sent).toEqual(['request_headers']);
  });

  it('with mode overrides disallowed, answers every phase without change', async () => {
    const result = await h.send(
      { method: 'POST', path: '/v1/embeddings', body: '{"input":"x"}' },
      undefined,
      {
        filter: { allowModeOverride: false },
      },
    );
    expect(result.outcome).toBe('completed');
    expect(result.sent).toEqual(['request_headers', 'request_body', 'response_headers', 'response_body']);
    expect(result.forwarded?.body.toString()).toBe('{"input":"x"}');
  });
});
