/**
 * The body and trailer steps both directions share: a BUFFERED body's answer, a STREAMED body
 * piped through the processor, trailers, and reading the frames of a body.
 */

import type { Frame } from './body-frames.ts';
import {
  awaitAnswer,
  checkAnswer,
  considerTimeoutOverride,
  onMessageTimeout,
  onStreamClosed,
} from './exchange-answers.ts';
import { applyMutation, considerRouteCache, mutateHeaders, rejectAll } from './exchange-mutations.ts';
import { EndOfExchange, type ExchangeState } from './exchange-state.ts';
import type { HeaderList } from './header-list.ts';
import { applyBodyMutation, headersToProto, mutatedBodyLength } from './header-mutation.ts';
import { pipeStreamedBody } from './streamed-body.ts';
import type { CommonResponse } from './wire-types.ts';

/** A source of body frames: a body known in full, or a live one. */
export type Frames = AsyncIterator<Frame> | Iterator<Frame>;

/** Sends trailers to the processor and applies the answer's header mutation to them. */
export async function processTrailers(
  ex: ExchangeState,
  phase: 'request_trailers' | 'response_trailers',
  trailers: HeaderList,
): Promise<void> {
  const encoded = { trailers: headersToProto(trailers, ex.config.sendRawValue) };
  ex.send(
    phase,
    phase === 'request_trailers' ? { request_trailers: encoded } : { response_trailers: encoded },
  );
  const answer = await awaitAnswer(ex, phase);
  const mutation = (phase === 'request_trailers' ? answer?.request_trailers : answer?.response_trailers)
    ?.header_mutation;
  applyMutation(ex, phase, trailers, mutation, false, false);
}

/** BUFFERED body answer: header mutation (while Envoy still holds the headers), content-length check, body mutation. */
export function applyBufferedBodyAnswer(
  ex: ExchangeState,
  phase: 'request_body' | 'response_body',
  common: CommonResponse,
  headers: HeaderList | undefined,
  body: Buffer,
): Buffer {
  const direction = phase === 'request_body' ? ex.decoding : ex.encoding;
  if (common.header_mutation) {
    if (headers) {
      mutateHeaders(
        ex,
        phase,
        headers,
        common.header_mutation,
        direction,
        common.status === 'CONTINUE_AND_REPLACE',
      );
    } else {
      rejectAll(
        ex,
        phase,
        common.header_mutation,
        'headers were not sent to the processor, so they cannot be mutated',
      );
    }
  }
  let out = body;
  if (common.body_mutation) {
    const declared = headers?.get('content-length');
    if (declared !== undefined && /^\s*\d+\s*$/.test(declared)) {
      if (Number(declared) !== mutatedBodyLength(common.body_mutation)) {
        ex.fail(
          phase,
          ex.config.statusOnError,
          'mismatch between content length and the length of the mutated body',
        );
      }
    }
    out = applyBodyMutation(common.body_mutation) ?? body;
  }
  considerRouteCache(ex, phase, common);
  return out;
}

/** STREAMED body, pipelined: see {@link pipeStreamedBody}. */
export async function streamBody(
  ex: ExchangeState,
  direction: 'request' | 'response',
  frames: Frames,
  emit: (chunk: Buffer) => void,
): Promise<void> {
  const phase = direction === 'request' ? 'request_body' : 'response_body';
  await pipeStreamedBody(
    {
      stream: ex.stream,
      messageTimeoutMs: ex.config.messageTimeoutMs,
      processingComplete() {
        return ex.processingComplete;
      },
      send(frame) {
        const body = { body: frame.data, end_of_stream: frame.endOfStream };
        ex.send(phase, direction === 'request' ? { request_body: body } : { response_body: body });
      },
      elapsed() {
        return ex.elapsed();
      },
      nextFrame(source, stop) {
        return nextFrame(ex, source, stop);
      },
      onTimeout() {
        onMessageTimeout(ex, phase);
      },
      onClosed(status) {
        onStreamClosed(ex, phase, status);
      },
      onTimeoutOverride(message, alreadyUsed) {
        return considerTimeoutOverride(ex, message, alreadyUsed);
      },
      accept(message, latencyMs) {
        ex.record.received(message, latencyMs);
        return checkAnswer(ex, message, phase);
      },
      applyAnswer(answer, data) {
        const common = (direction === 'request' ? answer.request_body : answer.response_body)?.response;
        if (!common) return data;
        if (common.header_mutation) {
          const reason = 'header mutations in answers to STREAMED body chunks are ignored';
          rejectAll(ex, phase, common.header_mutation, reason);
        }
        considerRouteCache(ex, phase, common);
        return applyBodyMutation(common.body_mutation) ?? data;
      },
    },
    frames,
    emit,
  );
}

/** Reads every remaining frame, handing each to `onFrame`; a body known in full is read without waiting. */
export async function drain(
  ex: ExchangeState,
  frames: Frames,
  onFrame: (frame: Frame) => void,
): Promise<void> {
  for (;;) {
    const next = frames.next();
    const step = isPromiseLike(next) ? await settleFrame(ex, Promise.resolve(next)) : next;
    if (step.done) return;
    onFrame(step.value);
  }
}

/**
 * The next upstream frame. An upstream that breaks off mid-body makes Envoy reset the stream:
 * the router has already passed the response headers on, so no error reply is possible.
 */
async function nextFrame(
  ex: ExchangeState,
  frames: Frames,
  stop?: Promise<void>,
): Promise<IteratorResult<Frame, unknown> | { done: true; value: undefined }> {
  const next = Promise.resolve(frames.next());
  return settleFrame(
    ex,
    stop ? Promise.race([next, stop.then(() => ({ done: true as const, value: undefined }))]) : next,
  );
}

async function settleFrame<T>(ex: ExchangeState, pending: Promise<T>): Promise<T> {
  try {
    return await ex.guard(pending);
  } catch (error) {
    if (ex.abortError) throw error;
    ex.upstreamError = error;
    throw new EndOfExchange({ kind: 'reset', phase: 'response_body', error });
  }
}

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as Partial<PromiseLike<T>>).then === 'function';
}
