import { describe, expect, it } from 'vitest';
import { chatCompletionChunks, chatRequest, echoUpstream, sseUpstream } from './chat.ts';
import { continueAnswer, type FakeHandler, phaseOf } from './fake-processor.ts';
import { setup } from './fake-processor-setup.ts';
import { readHeaderValue } from './header-mutation.ts';
import type { ProcessingRequest } from './wire-types.ts';

function contentType(request: ProcessingRequest): string | undefined {
  const header = request.response_headers?.headers?.headers?.find((h) => h.key === 'content-type');
  return header ? readHeaderValue(header, true) : undefined;
}

/** A processor that streams SSE responses: STREAMED for text/event-stream, and uppercases each chunk. */
const sseProcessor: FakeHandler = (request) => {
  const phase = phaseOf(request);
  if (phase === 'response_headers' && contentType(request) === 'text/event-stream') {
    return { ...continueAnswer(phase), mode_override: { response_body_mode: 'STREAMED' } };
  }
  if (phase === 'response_body') {
    const chunk = request.response_body?.body ?? Buffer.alloc(0);
    return continueAnswer(phase, { body_mutation: { body: Buffer.from(chunk.toString().toUpperCase()) } });
  }
  return undefined;
};

describe('mode_override', () => {
  it('switches the response body to STREAMED when allowed, chunk by chunk, with callbacks', async () => {
    const { processor, emulator } = await setup(sseProcessor);
    const events: string[] = [];
    const result = await emulator.exchange(
      chatRequest('hi', { stream: true }),
      sseUpstream(['a', 'b', 'c']),
      {
        onResponseHeaders: (status, headers) => events.push(`headers ${status} ${headers['content-type']}`),
        onResponseChunk: (chunk) => events.push(`chunk ${chunk.toString()}`),
      },
    );

    expect(result.modeOverrides).toEqual([
      { phase: 'response_headers', mode: { response_body_mode: 'STREAMED' }, applied: true },
    ]);
    expect(result.finalModes.response.bodyMode).toBe('STREAMED');
    // Three events, [DONE], then the empty end-of-stream frame of a live upstream.
    expect(result.sent).toEqual([
      'request_headers',
      'request_body',
      'response_headers',
      ...Array(5).fill('response_body'),
    ]);
    const bodies =
      processor.calls[0]?.received.filter((m) => m.response_body).map((m) => m.response_body) ?? [];
    expect(bodies.map((b) => b?.end_of_stream ?? false)).toEqual([false, false, false, false, true]);
    expect(events).toEqual([
      'headers 200 text/event-stream',
      'chunk DATA: A\n\n',
      'chunk DATA: B\n\n',
      'chunk DATA: C\n\n',
      'chunk DATA: [DONE]\n\n',
    ]);
    expect(result.response.chunks.map(String)).toEqual(events.slice(1).map((e) => e.slice('chunk '.length)));
  });

  it('is ignored when allowModeOverride is false (the body stays BUFFERED)', async () => {
    const { emulator } = await setup(sseProcessor, { allowModeOverride: false });
    const result = await emulator.exchange(chatRequest('hi', { stream: true }), sseUpstream(['a', 'b']));
    expect(result.modeOverrides).toEqual([
      {
        phase: 'response_headers',
        mode: { response_body_mode: 'STREAMED' },
        applied: false,
        reason: 'allow_mode_override is false',
      },
    ]);
    expect(result.sent.filter((kind) => kind === 'response_body')).toHaveLength(1);
    expect(result.response.body.toString()).toBe('DATA: A\n\nDATA: B\n\nDATA: [DONE]\n\n');
  });

  it('is ignored in an answer to a body message', async () => {
    const { emulator } = await setup((request) => {
      const phase = phaseOf(request);
      if (phase === 'request_body') {
        return { ...continueAnswer(phase), mode_override: { response_body_mode: 'STREAMED' } };
      }
      return undefined;
    });
    const result = await emulator.exchange(chatRequest('hi', { stream: true }), sseUpstream(['a', 'b']));
    expect(result.modeOverrides[0]).toMatchObject({ phase: 'request_body', applied: false });
    expect(result.finalModes.response.bodyMode).toBe('BUFFERED');
    expect(result.sent.filter((kind) => kind === 'response_body')).toHaveLength(1);
  });

  it('from request headers takes body modes literally: an unset request_body_mode means NONE', async () => {
    const { emulator } = await setup((request) => {
      const phase = phaseOf(request);
      if (phase === 'request_headers') {
        return { ...continueAnswer(phase), mode_override: { response_body_mode: 'STREAMED' } };
      }
      return undefined;
    });
    const result = await emulator.exchange(chatRequest('hi'), echoUpstream);
    expect(result.finalModes.request.bodyMode).toBe('NONE');
    expect(result.sent).not.toContain('request_body');
    expect(result.forwarded?.body.length).toBeGreaterThan(0);
    // Header modes left unset keep the configured value.
    expect(result.finalModes.response.sendHeaders).toBe(true);
  });
});

describe('STREAMED bodies', () => {
  it('pipelines chunks: all are sent before the first answer, answers match chunks in order', async () => {
    const chunks = ['one ', 'two ', 'three ', 'four'];
    const { processor, emulator } = await setup(
      async (request, call) => {
        const phase = phaseOf(request);
        if (phase !== 'response_body') return undefined;
        const index = call.received.filter((m) => m.response_body).indexOf(request);
        if (index === 0) {
          // Hold the first answer until every chunk has arrived: only a pipelining client gets here.
          await call.waitForReceived(3 + chunks.length);
        }
        return continueAnswer(phase, {
          body_mutation: { body: Buffer.from(`[${index}:${request.response_body?.body}]`) },
        });
      },
      { processingMode: { response_body_mode: 'STREAMED' }, messageTimeoutMs: 2000 },
    );
    const result = await emulator.exchange(chatRequest('hi'), () => ({ status: 200, chunks }));
    expect(result.outcome).toBe('completed');
    expect(result.response.chunks.map(String)).toEqual(['[0:one ]', '[1:two ]', '[2:three ]', '[3:four]']);

    const messages = result.messages.filter((m) => m.kind === 'response_body');
    const firstAnswerAt = messages.find((m) => m.direction === 'received')?.atMs ?? 0;
    const lastSendAt =
      messages.filter((m) => m.direction === 'sent').at(-1)?.atMs ?? Number.POSITIVE_INFINITY;
    expect(lastSendAt).toBeLessThanOrEqual(firstAnswerAt);
    const sent = processor.calls[0]?.received.filter((m) => m.response_body) ?? [];
    expect(sent.map((m) => m.response_body?.end_of_stream ?? false)).toEqual([false, false, false, true]);
  });

  it('cuts a whole request body into streamedChunkSize pieces and mutates each', async () => {
    const { processor, emulator } = await setup(
      (request) => {
        const phase = phaseOf(request);
        if (phase !== 'request_body') return undefined;
        const text = request.request_body?.body?.toString() ?? '';
        return continueAnswer(phase, { body_mutation: { body: Buffer.from(text.replaceAll('a', 'A')) } });
      },
      { processingMode: { request_body_mode: 'STREAMED' }, streamedChunkSize: 4 },
    );
    const result = await emulator.exchange(
      { path: '/upload', body: 'aaaa-bbbb-aa', headers: { 'content-length': '12' } },
      echoUpstream,
    );
    const pieces =
      processor.calls[0]?.received.filter((m) => m.request_body).map((m) => m.request_body) ?? [];
    expect(pieces.map((p) => p?.body?.toString())).toEqual(['aaaa', '-bbb', 'b-aa']);
    expect(pieces.map((p) => p?.end_of_stream ?? false)).toEqual([false, false, true]);
    expect(result.forwarded?.body.toString()).toBe('AAAA-bbbb-AA');
    // Envoy drops content-length in STREAMED mode: it cannot stay right after chunk mutations.
    expect(result.forwarded?.headers['content-length']).toBeUndefined();
    const sentHeaders = processor.calls[0]?.received[0]?.request_headers?.headers?.headers ?? [];
    expect(sentHeaders.some((h) => h.key === 'content-length')).toBe(true);
  });

  it('ignores header mutations in answers to streamed chunks', async () => {
    const { emulator } = await setup(
      (request) => {
        const phase = phaseOf(request);
        if (phase !== 'response_body') return undefined;
        return continueAnswer(phase, {
          header_mutation: { set_headers: [{ header: { key: 'x-late', raw_value: Buffer.from('1') } }] },
        });
      },
      { processingMode: { response_body_mode: 'STREAMED' } },
    );
    const result = await emulator.exchange({ path: '/' }, () => ({ status: 200, chunks: ['x', 'y'] }));
    expect(result.response.headers['x-late']).toBeUndefined();
    expect(result.rejectedMutations).toHaveLength(2);
    expect(result.response.body.toString()).toBe('xy');
  });

  it('an immediate response in the middle of a streamed body resets the stream', async () => {
    const { emulator } = await setup(
      (request, call) => {
        const phase = phaseOf(request);
        if (phase !== 'response_body') return undefined;
        const index = call.received.filter((m) => m.response_body).indexOf(request);
        if (index === 1) return { immediate_response: { status: { code: 403 } } };
        return continueAnswer(phase);
      },
      { processingMode: { response_body_mode: 'STREAMED' } },
    );
    const result = await emulator.exchange({ path: '/' }, () => ({ status: 200, chunks: ['a', 'b', 'c'] }));
    expect(result.outcome).toBe('reset');
    expect(result.immediateResponse?.phase).toBe('response_body');
    expect(result.response.status).toBe(200);
    expect(result.response.chunks.map(String)).toEqual(['a']);
  });

  it('an immediate response to a streamed request chunk ends the exchange before the upstream', async () => {
    const { emulator } = await setup(
      (request) =>
        phaseOf(request) === 'request_body' ? { immediate_response: { status: { code: 413 } } } : undefined,
      { processingMode: { request_body_mode: 'STREAMED' }, streamedChunkSize: 2 },
    );
    let called = false;
    const result = await emulator.exchange({ path: '/', body: 'abcdef' }, () => {
      called = true;
      return { status: 200 };
    });
    expect(called).toBe(false);
    expect(result.outcome).toBe('immediate_response');
    expect(result.response.status).toBe(413);
  });

  it('lets an SSE stream from the echo upstream through NONE mode untouched', async () => {
    const { processor, emulator } = await setup(undefined, {
      processingMode: { response_body_mode: 'NONE' },
    });
    const upstream = sseUpstream(chatCompletionChunks(['Hel', 'lo']), { delayMs: 2 });
    const chunks: string[] = [];
    const result = await emulator.exchange(chatRequest('hi', { stream: true }), upstream, {
      onResponseChunk: (chunk) => chunks.push(chunk.toString()),
    });
    expect(chunks).toHaveLength(5);
    expect(chunks.at(-1)).toBe('data: [DONE]\n\n');
    expect(processor.calls[0]?.received.some((m) => m.response_body)).toBe(false);
    expect(result.response.headers['content-type']).toBe('text/event-stream');
  });
});
