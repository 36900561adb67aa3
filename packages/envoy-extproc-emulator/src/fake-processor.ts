/**
 * A scriptable in-process ext_proc server, for exercising the emulator without the router. Each
 * incoming message goes to a handler that decides the answer; by default every message gets a
 * plain "continue" answer of the matching kind.
 */
import * as grpc from '@grpc/grpc-js';
import { loadExtProcService } from './envoy-protos.ts';
import {
  type CommonResponse,
  PROCESSING_PHASES,
  type ProcessingPhase,
  type ProcessingRequest,
  type ProcessingResponse,
} from './wire-types.ts';

/** The server side of one `Process` call. */
export interface FakeCall {
  readonly id: number;
  readonly metadata: grpc.Metadata;
  /** Every message received so far. */
  readonly received: ProcessingRequest[];
  /** Every message sent so far. */
  readonly sent: ProcessingResponse[];
  /** True once the client cancelled the call. */
  readonly cancelled: boolean;
  /** True once the client half-closed. */
  readonly clientEnded: boolean;
  /** Resolves when at least `count` messages have arrived (rejects after `timeoutMs`). */
  waitForReceived(count: number, timeoutMs?: number): Promise<void>;
  send(response: ProcessingResponse): void;
  /** Ends the call with OK, or with the given error status. */
  finish(error?: { code: grpc.status; details?: string }): void;
  /** Resolves when the call is over, saying how. */
  readonly done: Promise<'ended' | 'cancelled' | 'failed'>;
}

/**
 * Decides the answer to one message: a response (or several) to send, `undefined` for the default
 * continue answer, or `null` to send nothing. Handlers of one call run one after another.
 */
export type FakeHandler = (
  request: ProcessingRequest,
  call: FakeCall,
) =>
  | ProcessingResponse
  | ProcessingResponse[]
  | undefined
  | null
  | Promise<ProcessingResponse | ProcessingResponse[] | undefined | null>;

export interface FakeProcessor {
  /** `127.0.0.1:<port>` */
  readonly address: string;
  /** Calls in the order they started. */
  readonly calls: FakeCall[];
  close(): Promise<void>;
}

/** The phase of a request message. */
export function phaseOf(request: ProcessingRequest): ProcessingPhase {
  const phase = request.request ?? PROCESSING_PHASES.find((p) => request[p] !== undefined);
  if (!phase) throw new Error('ProcessingRequest without a request');
  return phase;
}

/** The plain "continue" answer to a message of `phase`, optionally with a CommonResponse. */
export function continueAnswer(phase: ProcessingPhase, common: CommonResponse = {}): ProcessingResponse {
  switch (phase) {
    case 'request_headers':
      return { request_headers: { response: common } };
    case 'response_headers':
      return { response_headers: { response: common } };
    case 'request_body':
      return { request_body: { response: common } };
    case 'response_body':
      return { response_body: { response: common } };
    case 'request_trailers':
      return common.header_mutation
        ? { request_trailers: { header_mutation: common.header_mutation } }
        : { request_trailers: {} };
    case 'response_trailers':
      return common.header_mutation
        ? { response_trailers: { header_mutation: common.header_mutation } }
        : { response_trailers: {} };
  }
}

/** Starts a fake processor on `127.0.0.1` with an ephemeral port. */
export async function startFakeProcessor(handler: FakeHandler = () => undefined): Promise<FakeProcessor> {
  const server = new grpc.Server();
  const calls: FakeCall[] = [];
  let nextId = 1;
  server.addService(loadExtProcService().service, {
    Process(call: grpc.ServerDuplexStream<ProcessingRequest, ProcessingResponse>) {
      calls.push(serveCall(nextId++, call, handler));
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    );
  });
  return {
    address: `127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 500).unref();
      }),
  };
}

function serveCall(
  id: number,
  call: grpc.ServerDuplexStream<ProcessingRequest, ProcessingResponse>,
  handler: FakeHandler,
): FakeCall {
  const received: ProcessingRequest[] = [];
  const sent: ProcessingResponse[] = [];
  const waiters = new Set<() => boolean>();
  let cancelled = false;
  let clientEnded = false;
  let finished = false;
  let settle: (how: 'ended' | 'cancelled' | 'failed') => void = () => {};
  const done = new Promise<'ended' | 'cancelled' | 'failed'>((resolve) => {
    settle = resolve;
  });
  let chain = Promise.resolve();

  const fake: FakeCall = {
    id,
    metadata: call.metadata,
    received,
    sent,
    get cancelled() {
      return cancelled;
    },
    get clientEnded() {
      return clientEnded;
    },
    waitForReceived(count, timeoutMs = 2000) {
      if (received.length >= count) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (received.length < count) return false;
          clearTimeout(timer);
          resolve();
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`only ${received.length} of ${count} messages arrived`));
        }, timeoutMs);
        waiters.add(check);
      });
    },
    send(response) {
      if (finished || cancelled) return;
      sent.push(response);
      call.write(response);
    },
    finish(error) {
      if (finished || cancelled) return;
      finished = true;
      if (error) {
        call.emit('error', { code: error.code, details: error.details ?? 'fake processor error' });
        settle('failed');
      } else {
        call.end();
        settle('ended');
      }
    },
    done,
  };

  call.on('data', (request: ProcessingRequest) => {
    received.push(request);
    for (const check of [...waiters]) if (check()) waiters.delete(check);
    chain = chain
      .then(async () => {
        if (finished || cancelled) return;
        const answer = await handler(request, fake);
        if (answer === null) return;
        const responses =
          answer === undefined
            ? [continueAnswer(phaseOf(request))]
            : Array.isArray(answer)
              ? answer
              : [answer];
        for (const response of responses) fake.send(response);
      })
      .catch(() => fake.finish({ code: grpc.status.INTERNAL, details: 'handler failed' }));
  });
  call.on('end', () => {
    // A cancelled call also ends its readable side, shortly before it reports the cancellation;
    // give that report a moment before taking the end as a half-close.
    setTimeout(() => {
      if (cancelled || call.cancelled) return;
      clientEnded = true;
      void chain.then(() => fake.finish());
    }, 10);
  });
  call.on('cancelled', () => {
    cancelled = true;
    settle('cancelled');
  });
  call.on('error', () => {});
  return fake;
}
