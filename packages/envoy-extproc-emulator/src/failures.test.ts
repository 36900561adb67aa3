import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { chatRequest, echoUpstream } from './chat.ts';
import { ExtProcEmulator } from './emulator-client.ts';
import { ExchangeAbortedError, ExtProcProtocolError } from './errors.ts';
import { continueAnswer, type FakeHandler, phaseOf } from './fake-processor.ts';
import { onCleanup, setup } from './fake-processor-setup.ts';
import type { ForwardedRequest } from './http-types.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('protocol errors', () => {
  it('rejects the exchange when the answer is of the wrong kind, and cancels the call', async () => {
    const { processor, emulator } = await setup((request) =>
      phaseOf(request) === 'request_headers' ? continueAnswer('request_body') : undefined,
    );
    const attempt = emulator.exchange(chatRequest('hi'), echoUpstream);
    await expect(attempt).rejects.toBeInstanceOf(ExtProcProtocolError);
    await expect(attempt).rejects.toMatchObject({
      awaitedPhase: 'request_headers',
      receivedKind: 'request_body',
      message: expect.stringContaining(
        'awaited an answer to request_headers but the processor sent request_body',
      ),
    });
    expect(await processor.calls[0]?.done).toBe('cancelled');
  });

  it('with onSpuriousMessage "ignore", lets the rest through unprocessed as Envoy does', async () => {
    const { emulator } = await setup(
      (request) => (phaseOf(request) === 'request_headers' ? continueAnswer('response_headers') : undefined),
      { onSpuriousMessage: 'ignore' },
    );
    const result = await emulator.exchange(chatRequest('hi'), echoUpstream);
    expect(result.outcome).toBe('completed');
    expect(result.processingStopped).toEqual({ phase: 'request_headers', reason: 'spurious_message' });
    expect(result.sent).toEqual(['request_headers']);
    expect(result.messages[1]?.note).toBe('spurious');
    expect(result.response.status).toBe(200);
  });
});

describe('message timeout', () => {
  const silentOnHeaders: FakeHandler = (request) =>
    phaseOf(request) === 'request_headers' ? null : undefined;

  it('without failureModeAllow ends with a 504 local reply and skips the upstream', async () => {
    const { processor, emulator } = await setup(silentOnHeaders, { messageTimeoutMs: 50 });
    let called = false;
    const result = await emulator.exchange(chatRequest('hi'), () => {
      called = true;
      return { status: 200 };
    });
    expect(called).toBe(false);
    expect(result.outcome).toBe('local_reply');
    expect(result.response.status).toBe(504);
    expect(result.localReply).toEqual({
      phase: 'request_headers',
      status: 504,
      details: 'ext_proc_error_per-message_timeout_exceeded',
    });
    await processor.calls[0]?.done;
  });

  it('with failureModeAllow carries on unprocessed and closes the stream', async () => {
    const { processor, emulator } = await setup(silentOnHeaders, {
      messageTimeoutMs: 50,
      failureModeAllow: true,
    });
    const result = await emulator.exchange(chatRequest('hi'), echoUpstream);
    expect(result.outcome).toBe('completed');
    expect(result.upstreamCalled).toBe(true);
    expect(result.processingStopped).toEqual({ phase: 'request_headers', reason: 'message_timeout' });
    expect(result.sent).toEqual(['request_headers']);
    expect(result.response.status).toBe(200);
    expect(await processor.calls[0]?.done).toBe('cancelled');
  });

  it('is extended once by override_message_timeout when max_message_timeout allows it', async () => {
    // The answer comes well after the base timeout: only the override lets it count. The base
    // timeout is long enough for the override itself to arrive in time on a busy machine.
    const slow: FakeHandler = async (request, call) => {
      if (phaseOf(request) !== 'request_headers') return undefined;
      call.send({ override_message_timeout: { seconds: 60, nanos: 0 } });
      await sleep(1500);
      return continueAnswer('request_headers');
    };
    const allowed = await setup(slow, { messageTimeoutMs: 1000, maxMessageTimeoutMs: 60_000 });
    const ok = await allowed.emulator.exchange(chatRequest('hi'), echoUpstream);
    expect(ok.outcome).toBe('completed');
    expect(ok.messages.find((m) => m.direction === 'received')?.note).toBe('override_message_timeout');

    const capped = await setup(slow, { messageTimeoutMs: 1000 });
    const late = await capped.emulator.exchange(chatRequest('hi'), echoUpstream);
    expect(late.response.status).toBe(504);
    expect(late.messages.find((m) => m.direction === 'received')?.note).toBe(
      'override_message_timeout_ignored',
    );
  });

  it('during a streamed response body resets the stream', async () => {
    // Answers arrive in well under a second on any machine; the unanswered chunk times out.
    const { emulator } = await setup(
      (request, call) => {
        if (phaseOf(request) !== 'response_body') return undefined;
        return call.received.filter((m) => m.response_body).length > 1
          ? null
          : continueAnswer('response_body');
      },
      { messageTimeoutMs: 1000, processingMode: { response_body_mode: 'STREAMED' } },
    );
    const result = await emulator.exchange({ path: '/' }, () => ({ status: 200, chunks: ['a', 'b', 'c'] }));
    expect(result.outcome).toBe('reset');
    expect(result.localReply?.status).toBe(504);
    expect(result.response.chunks.map(String)).toEqual(['a']);
  });
});

describe('stream ending early', () => {
  it('a gRPC error fails the exchange with a 500 local reply', async () => {
    const { emulator } = await setup((request, call) => {
      if (phaseOf(request) !== 'request_body') return undefined;
      call.finish({ code: grpc.status.INTERNAL, details: 'boom' });
      return null;
    });
    const result = await emulator.exchange(chatRequest('hi'), echoUpstream);
    expect(result.outcome).toBe('local_reply');
    expect(result.response.status).toBe(500);
    expect(result.localReply).toEqual({
      phase: 'request_body',
      status: 500,
      details: 'ext_proc_error_gRPC_error_13',
    });
    expect(result.grpcStatus).toMatchObject({ code: grpc.status.INTERNAL, details: 'boom' });
  });

  it('a gRPC error with failureModeAllow lets the exchange through unprocessed', async () => {
    const { emulator } = await setup(
      (request, call) => {
        if (phaseOf(request) !== 'request_headers') return undefined;
        call.finish({ code: grpc.status.UNAVAILABLE });
        return null;
      },
      { failureModeAllow: true },
    );
    const result = await emulator.exchange(chatRequest('hi'), echoUpstream);
    expect(result.outcome).toBe('completed');
    expect(result.processingStopped?.reason).toBe('grpc_error');
    expect(result.response.status).toBe(200);
  });

  it('a clean close by the server stops processing but not the exchange', async () => {
    const { emulator } = await setup((request, call) => {
      if (phaseOf(request) !== 'request_headers') return undefined;
      call.send(continueAnswer('request_headers'));
      call.finish();
      return null;
    });
    const result = await emulator.exchange(chatRequest('hi'), echoUpstream);
    expect(result.outcome).toBe('completed');
    expect(result.processingStopped).toEqual({ phase: 'request_body', reason: 'stream_closed' });
    expect(result.response.status).toBe(200);
    expect(result.sent).toEqual(['request_headers', 'request_body']);
  });

  it('an unreachable processor fails with a 500, or passes through with failureModeAllow', async () => {
    const strict = new ExtProcEmulator({ target: '127.0.0.1:1', messageTimeoutMs: 2000 });
    const lenient = new ExtProcEmulator({
      target: '127.0.0.1:1',
      messageTimeoutMs: 2000,
      failureModeAllow: true,
    });
    onCleanup(
      () => strict.close(),
      () => lenient.close(),
    );
    const failed = await strict.exchange(chatRequest('hi'), echoUpstream);
    expect(failed.response.status).toBe(500);
    expect(failed.localReply?.details).toBe(`ext_proc_error_gRPC_error_${grpc.status.UNAVAILABLE}`);
    const passed = await lenient.exchange(chatRequest('hi'), echoUpstream);
    expect(passed.response.status).toBe(200);
  });
});

describe('cancellation', () => {
  it('aborting mid-stream cancels the server call and rejects with an AbortError', async () => {
    const { processor, emulator } = await setup(
      (request) => (phaseOf(request) === 'request_body' ? null : undefined),
      { messageTimeoutMs: 5000 },
    );
    const controller = new AbortController();
    const attempt = emulator.exchange(chatRequest('hi'), echoUpstream, { signal: controller.signal });
    while ((processor.calls[0]?.received.length ?? 0) < 2) await sleep(5);
    controller.abort();
    await expect(attempt).rejects.toBeInstanceOf(ExchangeAbortedError);
    await expect(attempt).rejects.toMatchObject({ name: 'AbortError' });
    expect(await processor.calls[0]?.done).toBe('cancelled');
    expect(processor.calls[0]?.cancelled).toBe(true);
  });

  it('aborting while the upstream is working aborts the upstream signal too', async () => {
    const { processor, emulator } = await setup();
    const controller = new AbortController();
    let upstreamSignal: AbortSignal | undefined;
    const attempt = emulator.exchange(
      chatRequest('hi'),
      (forwarded: ForwardedRequest) => {
        upstreamSignal = forwarded.signal;
        setTimeout(() => controller.abort(), 10);
        return new Promise(() => {});
      },
      { signal: controller.signal },
    );
    await expect(attempt).rejects.toBeInstanceOf(ExchangeAbortedError);
    expect(upstreamSignal?.aborted).toBe(true);
    expect(await processor.calls[0]?.done).toBe('cancelled');
  });

  it('an already aborted signal rejects without opening a call', async () => {
    const { processor, emulator } = await setup();
    const attempt = emulator.exchange(chatRequest('hi'), echoUpstream, { signal: AbortSignal.abort() });
    await expect(attempt).rejects.toBeInstanceOf(ExchangeAbortedError);
    await sleep(20);
    expect(processor.calls).toHaveLength(0);
  });

  it('a callback that throws rejects the exchange and cancels the call', async () => {
    const { processor, emulator } = await setup();
    const attempt = emulator.exchange(chatRequest('hi'), echoUpstream, {
      onResponseHeaders: () => {
        throw new Error('downstream gone');
      },
    });
    await expect(attempt).rejects.toThrow('downstream gone');
    expect(await processor.calls[0]?.done).toBe('cancelled');
  });
});

describe('closing', () => {
  it('closeMode "reset" half-closes and cancels at once, like Envoy destroying the filter', async () => {
    const { processor, emulator } = await setup(undefined, { closeMode: 'reset' });
    const result = await emulator.exchange(chatRequest('hi'), echoUpstream);
    expect(result.outcome).toBe('completed');
    expect(result.grpcStatus).toBeUndefined();
    const how = await processor.calls[0]?.done;
    expect(['cancelled', 'ended']).toContain(how);
  });

  it('graceful close records answers the processor sends after the last phase', async () => {
    const { emulator } = await setup((request) =>
      phaseOf(request) === 'response_body'
        ? [continueAnswer('response_body'), continueAnswer('response_body')]
        : undefined,
    );
    const result = await emulator.exchange(chatRequest('hi'), echoUpstream);
    expect(result.messages.at(-1)?.note).toBe('unexpected_after_processing');
  });
});
