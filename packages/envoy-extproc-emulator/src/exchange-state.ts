/**
 * The running state of one exchange, shared by the steps that drive it (request path, response
 * path, answer checks, ending), and the small operations every step uses: the clock, sending a
 * message, ending early, handing the response downstream.
 */

import type { ResolvedFilterConfig } from './config.ts';
import type { ExchangeAbortedError } from './errors.ts';
import type { ExchangeContext } from './exchange.ts';
import { ExchangeRecorder } from './exchange-recorder.ts';
import type { ExchangeOutcome, ExchangeResult } from './exchange-result.ts';
import { HeaderList } from './header-list.ts';
import type { ForwardedRequest, HttpRequest, Upstream } from './http-types.ts';
import { type DirectionMode, requestDirection, responseDirection } from './processing-mode.ts';
import type { ProcessorStream } from './processor-stream.ts';
import { LazyAbortController } from './upstream-request.ts';
import type { ImmediateResponse, ProcessingPhase, ProcessingRequest } from './wire-types.ts';

/** How an exchange ends early. */
export type Ending =
  | { kind: 'immediate'; phase: ProcessingPhase; response: ImmediateResponse }
  | { kind: 'local'; phase: ProcessingPhase; status: number; details: string }
  | { kind: 'reset'; phase: ProcessingPhase; error: unknown };

/** Thrown inside the exchange to end it early with a reply; never escapes `runExchange`. */
export class EndOfExchange {
  constructor(readonly ending: Ending) {}
}

export class ExchangeState {
  readonly config: ResolvedFilterConfig;
  readonly context: ExchangeContext;
  readonly request: HttpRequest;
  readonly upstream: Upstream;
  readonly record = new ExchangeRecorder();
  stream!: ProcessorStream;

  decoding: DirectionMode;
  encoding: DirectionMode;
  processingComplete = false;
  processingStopped: ExchangeResult['processingStopped'];
  routeReleased = false;

  forwarded: Omit<ForwardedRequest, 'signal'> | undefined;
  upstreamCalled = false;
  upstreamError: unknown;
  immediate: ExchangeResult['immediateResponse'];
  localReply: ExchangeResult['localReply'];
  outcome: ExchangeOutcome = 'completed';

  downstreamStatus = 0;
  downstreamHeaders = new HeaderList();
  downstreamStarted = false;
  readonly downstreamChunks: Buffer[] = [];
  downstreamTrailers: Record<string, string> | undefined;

  requestPathMs: number | undefined;
  upstreamMs: number | undefined;
  responsePathStart: number | undefined;
  responsePathMs: number | undefined;

  /** Aborts the signal the upstream got. */
  readonly upstreamAbort = new LazyAbortController();
  abortError: ExchangeAbortedError | undefined;
  rejectAborted: ((error: Error) => void) | undefined;
  /** Rejects once the exchange is aborted; absent without an AbortSignal, as nothing can abort it then. */
  readonly aborted: Promise<never> | undefined;

  constructor(context: ExchangeContext, request: HttpRequest, upstream: Upstream) {
    this.context = context;
    this.config = context.config;
    this.request = request;
    this.upstream = upstream;
    this.decoding = requestDirection(context.config.processingMode);
    this.encoding = responseDirection(context.config.processingMode);
    if (context.signal) {
      this.aborted = new Promise<never>((_, reject) => {
        this.rejectAborted = reject;
      });
      this.aborted.catch(() => {});
    }
  }

  /** Milliseconds since the exchange started. */
  elapsed(): number {
    return this.record.elapsed();
  }

  send(kind: ProcessingPhase, message: ProcessingRequest): void {
    this.record.sent(kind, message);
    this.stream.send(message);
  }

  /** Races `promise` against the exchange being aborted. */
  guard<T>(promise: Promise<T>): Promise<T> {
    return this.aborted ? Promise.race([promise, this.aborted]) : promise;
  }

  /** Ends the exchange with a local reply of the filter. */
  fail(phase: ProcessingPhase, status: number, details: string): never {
    throw new EndOfExchange({ kind: 'local', phase, status, details });
  }

  /** The filter stops consulting the processor; the rest of the exchange passes through. */
  stopProcessing(
    phase: ProcessingPhase,
    reason: NonNullable<ExchangeResult['processingStopped']>['reason'],
  ): void {
    this.processingComplete = true;
    this.processingStopped ??= { phase, reason };
    this.stream.stopTimer();
  }

  /** Starts the response toward the downstream client with `headers` (`:status` among them). */
  startDownstream(headers: HeaderList): void {
    this.downstreamStatus = Number(headers.get(':status') ?? 0);
    const list = headers.withoutPseudo();
    this.downstreamHeaders = list;
    this.downstreamStarted = true;
    const callbacks = this.context.callbacks;
    if (callbacks.onResponseHeaders) callbacks.onResponseHeaders(this.downstreamStatus, list.toRecord());
  }

  /** Hands one body piece downstream. */
  emit(chunk: Buffer): void {
    this.downstreamChunks.push(chunk);
    this.context.callbacks.onResponseChunk?.(chunk);
  }
}
