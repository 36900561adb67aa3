import { chatCompletionChunks, sseUpstream } from 'envoy-extproc-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatRequest, expectRouteTo, type Harness, startHarness } from './harness.ts';
import { TEST_POLICY } from './policy.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness(TEST_POLICY);
});
afterAll(() => h.close());

const ALL_PHASES = {
  processingMode: {
    request_header_mode: 'SEND',
    request_body_mode: 'BUFFERED',
    request_trailer_mode: 'SEND',
    response_header_mode: 'SEND',
    response_body_mode: 'BUFFERED',
    response_trailer_mode: 'SEND',
  },
} as const;

describe('every ext_proc phase', () => {
  it('answers headers, body and trailers in both directions, in Envoy order', async () => {
    const request = { ...chatRequest('python please'), trailers: { 'x-checksum': 'abc' } };
    const result = await h.send(
      request,
      () => ({
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: '{"choices":[],"usage":{"prompt_tokens":11,"completion_tokens":4}}',
        trailers: { 'grpc-status': '0' },
      }),
      { filter: ALL_PHASES },
    );
    expect(result.sent).toEqual([
      'request_headers',
      'request_body',
      'request_trailers',
      'response_headers',
      'response_body',
      'response_trailers',
    ]);
    expect(result.received).toEqual(result.sent);
    expectRouteTo(result, 'large', { bodyModel: 'large-served-name' });
    expect(result.forwarded?.trailers).toEqual({ 'x-checksum': 'abc' });
    expect(result.response.headers['x-router-model']).toBe('large');
    expect(result.response.headers['x-router-decision']).toBe('code');
    expect(result.response.trailers).toEqual({ 'grpc-status': '0' });
  });

  it('reads header values Envoy sends in `value` as well as in `raw_value`', async () => {
    const result = await h.chat('hi', {}, { 'x-user-tier': 'premium' });
    expectRouteTo(result, 'large', { decision: 'premium', bodyModel: 'large-served-name' });
    const plain = await h.send(chatRequest('hi', {}, { headers: { 'x-user-tier': 'premium' } }), undefined, {
      filter: { sendRawValue: false },
    });
    expectRouteTo(plain, 'large', { decision: 'premium', bodyModel: 'large-served-name' });
  });

  it('switches an event-stream response to STREAMED, passes chunks through and reads usage', async () => {
    const before = await h.metric('semantic_router_tokens_total', {
      model: 'large',
      direction: 'completion',
    });
    const events = [
      ...chatCompletionChunks(['def', ' f', '():']),
      { choices: [], usage: { prompt_tokens: 9, completion_tokens: 3 } },
    ];
    const seen: Buffer[] = [];
    const result = await h.send(
      chatRequest('python', { stream: true }),
      sseUpstream(events, { delayMs: 2 }),
      {
        onResponseChunk: (chunk) => seen.push(chunk),
      },
    );
    expect(result.outcome).toBe('completed');
    expect(result.modeOverrides).toEqual([
      expect.objectContaining({
        phase: 'response_headers',
        mode: { response_body_mode: 'STREAMED' },
        applied: true,
      }),
    ]);
    expect(result.sent.filter((kind) => kind === 'response_body').length).toBeGreaterThanOrEqual(
      events.length,
    );
    const text = Buffer.concat(seen).toString();
    expect(text).toContain('data: [DONE]');
    expect(text.match(/^data: /gm)?.length).toBe(events.length + 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await h.metric('semantic_router_tokens_total', { model: 'large', direction: 'completion' })).toBe(
      before + 3,
    );
  });

  it('counts cost from buffered usage and the policy prices', async () => {
    const before = await h.metric('semantic_router_cost_usd_total', { model: 'small' });
    await h.send(chatRequest('hello'), () => ({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ usage: { prompt_tokens: 1_000_000, completion_tokens: 500_000 } }),
    }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    // small: 1 USD per 1M input, 2 USD per 1M output
    expect(await h.metric('semantic_router_cost_usd_total', { model: 'small' })).toBeCloseTo(before + 2, 6);
  });
});
