import { describe, expect, it } from 'vitest';
import { chatBody, chatRequest, echoUpstream } from './chat.ts';
import { continueAnswer, phaseOf } from './fake-processor.ts';
import { setup } from './fake-processor-setup.ts';
import { readHeaderValue } from './header-mutation.ts';
import type { ForwardedRequest, Upstream } from './http-types.ts';
import type { ProcessingRequest } from './wire-types.ts';

function raw(value: string) {
  return { raw_value: Buffer.from(value) };
}

function headerOf(request: ProcessingRequest, name: string): string | undefined {
  const part = request.request_headers ?? request.response_headers;
  const header = part?.headers?.headers?.find((h) => h.key === name);
  return header ? readHeaderValue(header, true) : undefined;
}

describe('message order and contents', () => {
  it('sends request headers, body, then response headers and body, and half-closes', async () => {
    const { processor, emulator } = await setup();
    const result = await emulator.exchange(chatRequest('hi', {}, { requestId: 'req-1' }), echoUpstream);

    expect(result.outcome).toBe('completed');
    expect(result.sent).toEqual(['request_headers', 'request_body', 'response_headers', 'response_body']);
    expect(result.received).toEqual(['request_headers', 'request_body', 'response_headers', 'response_body']);
    expect(result.grpcStatus?.code).toBe(0);

    const call = processor.calls[0];
    expect(call?.clientEnded).toBe(true);
    expect(await call?.done).toBe('ended');
    const first = call?.received[0];
    if (!first) throw new Error('no message');
    expect(phaseOf(first)).toBe('request_headers');
    expect(first.request_headers?.end_of_stream).toBe(false);
    expect(headerOf(first, ':method')).toBe('POST');
    expect(headerOf(first, ':path')).toBe('/v1/chat/completions');
    expect(headerOf(first, ':authority')).toBe('localhost');
    expect(headerOf(first, ':scheme')).toBe('http');
    expect(headerOf(first, 'x-request-id')).toBe('req-1');
    expect(headerOf(first, 'content-type')).toBe('application/json');
    expect(headerOf(first, 'content-length')).toBe(String(Buffer.byteLength(chatBody('hi'))));

    const body = call?.received[1]?.request_body;
    expect(body?.end_of_stream).toBe(true);
    expect(JSON.parse(body?.body?.toString() ?? '{}')).toMatchObject({
      model: 'auto',
      messages: [{ role: 'user' }],
    });

    const responseHeaders = call?.received[2];
    if (!responseHeaders) throw new Error('no response headers');
    expect(headerOf(responseHeaders, ':status')).toBe('200');
    expect(result.response.status).toBe(200);
    expect(JSON.parse(result.response.body.toString())).toMatchObject({
      object: 'chat.completion',
      model: 'auto',
    });
  });

  it('marks end_of_stream on headers when there is no body, and sends no body message', async () => {
    const { processor, emulator } = await setup();
    const result = await emulator.exchange({ path: '/v1/models' }, () => ({ status: 204 }));
    expect(result.sent).toEqual(['request_headers', 'response_headers']);
    expect(processor.calls[0]?.received[0]?.request_headers?.end_of_stream).toBe(true);
    expect(processor.calls[0]?.received[1]?.response_headers?.end_of_stream).toBe(true);
    expect(result.response.status).toBe(204);
  });

  it('generates a UUID x-request-id when none is given', async () => {
    const { processor, emulator } = await setup();
    await emulator.exchange({ path: '/' }, () => ({ status: 200 }));
    const first = processor.calls[0]?.received[0];
    if (!first) throw new Error('no message');
    expect(headerOf(first, 'x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('skips phases whose mode is SKIP or NONE', async () => {
    const { emulator } = await setup(undefined, {
      processingMode: { response_header_mode: 'SKIP', response_body_mode: 'NONE', request_body_mode: 'NONE' },
    });
    const result = await emulator.exchange(chatRequest('hi'), echoUpstream);
    expect(result.sent).toEqual(['request_headers']);
    expect(result.response.status).toBe(200);
  });

  it('sends header values as raw_value by default and as value when configured', async () => {
    const rawSetup = await setup();
    await rawSetup.emulator.exchange({ path: '/' }, () => ({ status: 200 }));
    const rawHeader = rawSetup.processor.calls[0]?.received[0]?.request_headers?.headers?.headers?.[0];
    expect(rawHeader?.raw_value).toBeInstanceOf(Buffer);
    expect(rawHeader?.value).toBeUndefined();

    const valueSetup = await setup(undefined, { sendRawValue: false });
    await valueSetup.emulator.exchange({ path: '/' }, () => ({ status: 200 }));
    const valueHeader = valueSetup.processor.calls[0]?.received[0]?.request_headers?.headers?.headers?.[0];
    expect(valueHeader?.value).toBe('localhost');
    expect(valueHeader?.raw_value).toBeUndefined();
  });
});

describe('immediate responses', () => {
  it('in the request headers phase: ends with it and never calls the upstream', async () => {
    const { emulator } = await setup((request) => {
      if (phaseOf(request) !== 'request_headers') return undefined;
      return {
        immediate_response: {
          status: { code: 'TooManyRequests' },
          headers: { set_headers: [{ header: { key: 'retry-after', ...raw('3') } }] },
          body: Buffer.from('slow down'),
          details: 'rate_limited',
        },
      };
    });
    let called = false;
    const upstream: Upstream = () => {
      called = true;
      return { status: 200 };
    };
    const result = await emulator.exchange(chatRequest('hi'), upstream);
    expect(called).toBe(false);
    expect(result.upstreamCalled).toBe(false);
    expect(result.forwarded).toBeUndefined();
    expect(result.outcome).toBe('immediate_response');
    expect(result.immediateResponse).toEqual({
      phase: 'request_headers',
      status: 429,
      details: 'rate_limited',
    });
    expect(result.response.status).toBe(429);
    expect(result.response.headers).toMatchObject({
      'retry-after': '3',
      'content-type': 'text/plain',
      'content-length': '9',
    });
    expect(result.response.body.toString()).toBe('slow down');
    expect(result.sent).toEqual(['request_headers']);
  });

  it('in the request body phase: ends with it and never calls the upstream', async () => {
    const { emulator } = await setup((request) => {
      if (phaseOf(request) !== 'request_body') return undefined;
      return {
        immediate_response: {
          status: { code: 400 },
          headers: { set_headers: [{ header: { key: 'content-type', ...raw('application/json') } }] },
          body: Buffer.from('{"error":"bad"}'),
        },
      };
    });
    let called = false;
    const result = await emulator.exchange(chatRequest('hi'), () => {
      called = true;
      return { status: 200 };
    });
    expect(called).toBe(false);
    expect(result.immediateResponse?.phase).toBe('request_body');
    expect(result.response.status).toBe(400);
    expect(result.response.headers['content-type']).toBe('application/json');
    expect(result.sent).toEqual(['request_headers', 'request_body']);
  });

  it('in the response headers phase: replaces the upstream response', async () => {
    const { emulator } = await setup((request) => {
      if (phaseOf(request) !== 'response_headers') return undefined;
      return { immediate_response: { status: { code: 'BadGateway' }, body: Buffer.from('nope') } };
    });
    const result = await emulator.exchange(chatRequest('hi'), echoUpstream);
    expect(result.upstreamCalled).toBe(true);
    expect(result.immediateResponse?.phase).toBe('response_headers');
    expect(result.response.status).toBe(502);
    expect(result.response.body.toString()).toBe('nope');
  });
});

describe('trailers', () => {
  const trailerRequest = { ...chatRequest('hi'), trailers: { 'x-checksum': 'abc' } };

  it('are not sent in the default SKIP mode', async () => {
    const { emulator } = await setup();
    const result = await emulator.exchange(trailerRequest, (forwarded: ForwardedRequest) => ({
      status: 200,
      body: 'ok',
      trailers: { 'x-upstream': String(forwarded.trailers?.['x-checksum']) },
    }));
    expect(result.sent).not.toContain('request_trailers');
    expect(result.sent).not.toContain('response_trailers');
    expect(result.response.trailers).toEqual({ 'x-upstream': 'abc' });
  });

  it('are sent in SEND mode, after the body, and their mutations applied', async () => {
    const { processor, emulator } = await setup(
      (request) => {
        const phase = phaseOf(request);
        if (phase === 'request_trailers' || phase === 'response_trailers') {
          return continueAnswer(phase, {
            header_mutation: { set_headers: [{ header: { key: `x-${phase}`, ...raw('seen') } }] },
          });
        }
        return undefined;
      },
      { processingMode: { request_trailer_mode: 'SEND', response_trailer_mode: 'SEND' } },
    );
    const result = await emulator.exchange(trailerRequest, () => ({
      status: 200,
      body: 'ok',
      trailers: { 'x-upstream': '1' },
    }));
    expect(result.sent).toEqual([
      'request_headers',
      'request_body',
      'request_trailers',
      'response_headers',
      'response_body',
      'response_trailers',
    ]);
    const messages = processor.calls[0]?.received ?? [];
    expect(messages[1]?.request_body?.end_of_stream).toBe(false);
    expect(messages[4]?.response_body?.end_of_stream).toBe(false);
    expect(result.forwarded?.trailers).toEqual({ 'x-checksum': 'abc', 'x-request_trailers': 'seen' });
    expect(result.response.trailers).toEqual({ 'x-upstream': '1', 'x-response_trailers': 'seen' });
  });

  it('are not sent in SEND mode when the message has none', async () => {
    const { emulator } = await setup(undefined, {
      processingMode: { request_trailer_mode: 'SEND', response_trailer_mode: 'SEND' },
    });
    const result = await emulator.exchange(chatRequest('hi'), echoUpstream);
    expect(result.sent).toEqual(['request_headers', 'request_body', 'response_headers', 'response_body']);
  });
});

describe('per-exchange options', () => {
  it('maps host to :authority, adds x-forwarded-proto, and passes initial metadata', async () => {
    const { processor, emulator } = await setup();
    await emulator.exchange(
      {
        path: '/p',
        scheme: 'https',
        headers: { host: 'api.example.com', 'x-custom': 'c', connection: 'keep-alive', 'keep-alive': '5' },
      },
      echoUpstream,
      { metadata: { 'x-tenant': 't1' } },
    );
    const first = processor.calls[0]?.received[0];
    if (!first) throw new Error('no message');
    expect(headerOf(first, ':authority')).toBe('api.example.com');
    expect(headerOf(first, 'host')).toBeUndefined();
    expect(headerOf(first, ':scheme')).toBe('https');
    expect(headerOf(first, 'x-forwarded-proto')).toBe('https');
    expect(headerOf(first, 'x-custom')).toBe('c');
    expect(headerOf(first, 'connection')).toBeUndefined();
    expect(headerOf(first, 'keep-alive')).toBeUndefined();
    expect(processor.calls[0]?.metadata.get('x-tenant')).toEqual(['t1']);
  });

  it('applies filter overrides for one exchange only, like a per-route config', async () => {
    const { emulator } = await setup();
    const overridden = await emulator.exchange(chatRequest('hi'), echoUpstream, {
      filter: { processingMode: { request_body_mode: 'NONE', response_header_mode: 'SKIP' } },
    });
    expect(overridden.sent).toEqual(['request_headers', 'response_body']);
    const plain = await emulator.exchange(chatRequest('hi'), echoUpstream);
    expect(plain.sent).toEqual(['request_headers', 'request_body', 'response_headers', 'response_body']);
  });
});

describe('upstream failures', () => {
  it('become a 503 that runs through the response path', async () => {
    const { emulator } = await setup();
    const result = await emulator.exchange(chatRequest('hi'), () => {
      throw new Error('connection refused');
    });
    expect(result.upstreamError).toBeInstanceOf(Error);
    expect(result.response.status).toBe(503);
    expect(result.sent).toContain('response_headers');
  });
});

describe('upstream breaking off mid-body', () => {
  async function* brokenBody() {
    yield 'first';
    throw new Error('upstream reset');
  }

  it('resets the stream after what already went downstream (NONE mode)', async () => {
    const { emulator } = await setup(undefined, { processingMode: { response_body_mode: 'NONE' } });
    const result = await emulator.exchange({ path: '/' }, () => ({ status: 200, chunks: brokenBody() }));
    expect(result.outcome).toBe('reset');
    expect(result.response.chunks.map(String)).toEqual(['first']);
    expect(result.upstreamError).toBeInstanceOf(Error);
  });

  it('resets the stream before anything went downstream (BUFFERED mode)', async () => {
    const { emulator } = await setup();
    const result = await emulator.exchange({ path: '/' }, () => ({ status: 200, chunks: brokenBody() }));
    expect(result.outcome).toBe('reset');
    expect(result.response.status).toBe(0);
    expect(result.sent).toEqual(['request_headers', 'response_headers']);
  });

  it('resets the stream in STREAMED mode after the processed chunks', async () => {
    const { emulator } = await setup(undefined, { processingMode: { response_body_mode: 'STREAMED' } });
    const result = await emulator.exchange({ path: '/' }, () => ({ status: 200, chunks: brokenBody() }));
    expect(result.outcome).toBe('reset');
    expect(result.sent).toEqual(['request_headers', 'response_headers', 'response_body']);
  });
});
