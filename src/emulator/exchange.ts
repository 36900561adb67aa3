/**
 * One HTTP exchange driven through one ext_proc stream, step by step as Envoy's ext_proc HTTP
 * filter drives it: request headers, body and trailers, the upstream, then response headers, body
 * and trailers, applying each answer before moving on.
 */
import type * as grpc from '@grpc/grpc-js';
import type {
  CommonResponse,
  HeaderMutation,
  ProcessingMode,
  ProcessingPhase,
  ProcessingRequest,
} from '../extproc/messages.ts';
import { type Frame, knownFrames, upstreamFrames } from './body-frames.ts';
import type { ResolvedFilterConfig } from './config.ts';
import { buildRequestHeaders, requestBodyPieces } from './downstream-request.ts';
import { ExchangeAbortedError, ExtProcProtocolError, HeaderMutationError } from './errors.ts';
import { ExchangeRecorder, kindOf } from './exchange-recorder.ts';
import type { ExchangeOutcome, ExchangeResult } from './exchange-result.ts';
import { HeaderList } from './header-list.ts';
import {
  applyBodyMutation,
  applyHeaderMutation,
  headersToProto,
  mutatedBodyLength,
  type RejectedMutation,
} from './header-mutation.ts';
import type {
  DownstreamResponse,
  ForwardedRequest,
  HttpRequest,
  Upstream,
  UpstreamResponse,
} from './http-types.ts';
import { immediateReply, type LocalReply, localReply } from './local-reply.ts';
import {
  type DirectionMode,
  effectiveModeOverride,
  requestDirection,
  responseDirection,
  shouldRemoveContentLength,
} from './processing-mode.ts';
import type { ProcessCall } from './processor-stream.ts';
import { ProcessorStream } from './processor-stream.ts';
import { routeCacheDecision } from './route-cache.ts';
import { pipeStreamedBody } from './streamed-body.ts';
import { durationToMs, type WireImmediateResponse, type WireProcessingResponse } from './wire-types.ts';

/** Hooks that see the response as it leaves toward the downstream client. */
export interface ResponseCallbacks {
  /** Called once with the final status and headers, before any body piece. */
  onResponseHeaders?: (status: number, headers: Readonly<Record<string, string>>) => void;
  /** Called with each body piece as it goes downstream (every piece of a STREAMED body as it is answered). */
  onResponseChunk?: (chunk: Buffer) => void;
}

/** Everything one exchange needs besides the request and the upstream. */
export interface ExchangeContext {
  config: ResolvedFilterConfig;
  /** Opens the `Process` call. */
  openCall: () => ProcessCall;
  callbacks: ResponseCallbacks;
  signal: AbortSignal | undefined;
}

type Direction = 'request' | 'response';

type Ending =
  | { kind: 'immediate'; phase: ProcessingPhase; response: WireImmediateResponse }
  | { kind: 'local'; phase: ProcessingPhase; status: number; details: string }
  | { kind: 'reset'; phase: ProcessingPhase; error: unknown };

/** Thrown inside the exchange to end it early with a reply; never escapes {@link runExchange}. */
class EndOfExchange {
  constructor(readonly ending: Ending) {}
}

const OK = 0;
const HEADER_PHASES: ReadonlySet<ProcessingPhase> = new Set(['request_headers', 'response_headers']);

/** Runs one exchange to its end. Rejects on protocol errors, on abort, and on callback errors. */
export function runExchange(
  context: ExchangeContext,
  request: HttpRequest,
  upstream: Upstream,
): Promise<ExchangeResult> {
  return new Exchange(context, request, upstream).run();
}

class Exchange {
  readonly #config: ResolvedFilterConfig;
  readonly #context: ExchangeContext;
  readonly #request: HttpRequest;
  readonly #upstream: Upstream;
  readonly #record = new ExchangeRecorder();
  #stream!: ProcessorStream;

  #decoding: DirectionMode;
  #encoding: DirectionMode;
  #processingComplete = false;
  #processingStopped: ExchangeResult['processingStopped'];
  #routeReleased = false;

  #forwarded: Omit<ForwardedRequest, 'signal'> | undefined;
  #upstreamCalled = false;
  #upstreamError: unknown;
  #immediate: ExchangeResult['immediateResponse'];
  #localReply: ExchangeResult['localReply'];
  #outcome: ExchangeOutcome = 'completed';

  #downstreamStatus = 0;
  #downstreamHeaders = new HeaderList();
  #downstreamStarted = false;
  readonly #downstreamChunks: Buffer[] = [];
  #downstreamTrailers: Record<string, string> | undefined;

  #requestPathMs: number | undefined;
  #upstreamMs: number | undefined;
  #responsePathStart: number | undefined;
  #responsePathMs: number | undefined;

  readonly #upstreamAbort = new AbortController();
  #abortError: ExchangeAbortedError | undefined;
  #rejectAborted: ((error: Error) => void) | undefined;
  readonly #aborted: Promise<never>;

  constructor(context: ExchangeContext, request: HttpRequest, upstream: Upstream) {
    this.#context = context;
    this.#config = context.config;
    this.#request = request;
    this.#upstream = upstream;
    this.#decoding = requestDirection(context.config.processingMode);
    this.#encoding = responseDirection(context.config.processingMode);
    this.#aborted = new Promise<never>((_, reject) => {
      this.#rejectAborted = reject;
    });
    this.#aborted.catch(() => {});
  }

  async run(): Promise<ExchangeResult> {
    const signal = this.#context.signal;
    if (signal?.aborted) throw new ExchangeAbortedError(undefined, { cause: signal.reason });
    this.#stream = new ProcessorStream(this.#context.openCall());
    const onAbort = () => this.#abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      try {
        await this.#requestPath();
        const upstreamResponse = await this.#callUpstream();
        await this.#responsePath(upstreamResponse);
      } catch (error) {
        if (this.#abortError) throw this.#abortError;
        if (!(error instanceof EndOfExchange)) throw error;
        this.#end(error.ending);
      }
      this.#requestPathMs ??= this.#elapsed();
      if (this.#responsePathStart !== undefined)
        this.#responsePathMs ??= this.#elapsed() - this.#responsePathStart;
      const closeStart = this.#elapsed();
      await this.#close();
      if (this.#abortError) throw this.#abortError;
      return this.#result(this.#elapsed() - closeStart);
    } catch (error) {
      this.#stream.cancel();
      this.#upstreamAbort.abort(error);
      throw this.#abortError ?? error;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  // ---- request path -------------------------------------------------------------------------

  async #requestPath(): Promise<void> {
    const config = this.#config;
    const pieces = requestBodyPieces(this.#request, config.streamedChunkSize);
    let body: Buffer = Buffer.concat(pieces);
    const hasBody = body.length > 0;
    const headers = buildRequestHeaders(this.#request, body.length);
    const originalHeaders = headers.toRecord({ withPseudo: true });
    const trailers = this.#request.trailers ? HeaderList.from(this.#request.trailers) : undefined;
    let replaced = false;
    const headersSent = this.#decoding.sendHeaders;

    if (headersSent) {
      this.#send('request_headers', {
        request_headers: {
          headers: headersToProto(headers, config.sendRawValue),
          end_of_stream: !hasBody && !trailers,
        },
      });
      if (shouldRemoveContentLength(this.#decoding)) headers.remove('content-length');
      const answer = await this.#awaitAnswer('request_headers');
      const common = answer?.request_headers?.response;
      if (common) {
        const replacing = common.status === 'CONTINUE_AND_REPLACE';
        this.#mutateHeaders('request_headers', headers, common.header_mutation, this.#decoding, replacing);
        this.#considerRouteCache('request_headers', common);
        if (replacing) {
          if (common.body_mutation) {
            headers.remove('content-length');
            body = applyBodyMutation(common.body_mutation) ?? body;
            replaced = true;
          }
          this.#decoding = { ...this.#decoding, bodyMode: 'NONE', sendTrailers: false };
        }
      }
    } else if (shouldRemoveContentLength(this.#decoding)) {
      headers.remove('content-length');
    }

    const bodyMode = this.#decoding.bodyMode;
    const holdsHeaders = hasBody && !replaced && (bodyMode === 'BUFFERED' || bodyMode === 'BUFFERED_PARTIAL');
    if (!holdsHeaders || this.#processingComplete) this.#routeReleased = true;

    if (hasBody && !replaced && !this.#processingComplete) {
      if (bodyMode === 'BUFFERED' || bodyMode === 'BUFFERED_PARTIAL') {
        this.#send('request_body', { request_body: { body, end_of_stream: !trailers } });
        const answer = await this.#awaitAnswer('request_body');
        const common = answer?.request_body?.response;
        if (common) {
          body = this.#applyBufferedBodyAnswer(
            'request_body',
            common,
            headersSent ? headers : undefined,
            body,
          );
        }
      } else if (bodyMode === 'STREAMED') {
        const out: Buffer[] = [];
        const frames = knownFrames(pieces, trailers !== undefined)[Symbol.iterator]();
        await this.#streamBody('request', frames, (chunk) => out.push(chunk));
        body = Buffer.concat(out);
      }
    }
    this.#routeReleased = true;

    if (trailers && this.#decoding.sendTrailers && !this.#processingComplete) {
      await this.#processTrailers('request_trailers', trailers);
    }

    const forwarded: Omit<ForwardedRequest, 'signal'> = {
      method: headers.get(':method') ?? 'GET',
      path: headers.get(':path') ?? '/',
      authority: headers.get(':authority') ?? '',
      scheme: headers.get(':scheme') ?? 'http',
      headers: headers.toRecord({ withPseudo: true }),
      headerList: headers.entries(),
      originalHeaders,
      body,
      routeCacheCleared: this.#record.routeCacheCleared(),
    };
    if (trailers) forwarded.trailers = trailers.toRecord();
    this.#forwarded = forwarded;
  }

  async #callUpstream(): Promise<UpstreamResponse> {
    const forwarded = this.#forwarded;
    if (!forwarded) throw new Error('request path did not finish');
    this.#requestPathMs = this.#elapsed();
    this.#upstreamCalled = true;
    try {
      const response = await this.#guard(
        Promise.resolve().then(() => this.#upstream({ ...forwarded, signal: this.#upstreamAbort.signal })),
      );
      return response;
    } catch (error) {
      if (this.#abortError) throw error;
      // Envoy's router answers a failed upstream with a 503, which then runs through the filter.
      this.#upstreamError = error;
      const reason = error instanceof Error ? error.message : String(error);
      return {
        status: 503,
        headers: { 'content-type': 'text/plain' },
        body: `upstream connect error or disconnect/reset before headers. reset reason: ${reason}`,
      };
    } finally {
      this.#upstreamMs = this.#elapsed() - this.#requestPathMs;
      this.#responsePathStart = this.#elapsed();
    }
  }

  // ---- response path ------------------------------------------------------------------------

  async #responsePath(upstream: UpstreamResponse): Promise<void> {
    const config = this.#config;
    const headers = new HeaderList();
    headers.add(':status', String(upstream.status));
    for (const [name, value] of HeaderList.from(upstream.headers).entries()) {
      if (!name.startsWith(':')) headers.add(name, value);
    }
    const trailers = upstream.trailers ? HeaderList.from(upstream.trailers) : undefined;
    const source = upstreamFrames(
      upstream.body,
      upstream.chunks,
      trailers !== undefined,
      config.streamedChunkSize,
    );
    const hasBody = !source.knownEmpty;
    const headersSent = this.#encoding.sendHeaders && !this.#processingComplete;
    let replacement: Buffer | undefined;

    if (headersSent) {
      this.#send('response_headers', {
        response_headers: {
          headers: headersToProto(headers, config.sendRawValue),
          end_of_stream: !hasBody && !trailers,
        },
      });
      if (shouldRemoveContentLength(this.#encoding)) headers.remove('content-length');
      const answer = await this.#awaitAnswer('response_headers');
      const common = answer?.response_headers?.response;
      if (common) {
        const replacing = common.status === 'CONTINUE_AND_REPLACE';
        this.#mutateHeaders('response_headers', headers, common.header_mutation, this.#encoding, replacing);
        this.#considerRouteCache('response_headers', common);
        if (replacing) {
          if (common.body_mutation) {
            headers.remove('content-length');
            replacement = applyBodyMutation(common.body_mutation) ?? Buffer.alloc(0);
          }
          this.#encoding = { ...this.#encoding, bodyMode: 'NONE', sendTrailers: false };
        }
      }
    } else if (!this.#processingComplete && shouldRemoveContentLength(this.#encoding)) {
      headers.remove('content-length');
    }

    const bodyMode = this.#encoding.bodyMode;
    if (replacement !== undefined) {
      await this.#drain(source.frames, () => {});
      this.#startDownstream(headers);
      if (replacement.length > 0) this.#emit(replacement);
    } else if (!hasBody || this.#processingComplete || bodyMode === 'NONE') {
      this.#startDownstream(headers);
      await this.#drain(source.frames, (frame) => {
        if (frame.data.length > 0) this.#emit(frame.data);
      });
    } else if (bodyMode === 'BUFFERED' || bodyMode === 'BUFFERED_PARTIAL') {
      const collected: Buffer[] = [];
      await this.#drain(source.frames, (frame) => collected.push(frame.data));
      let body: Buffer = Buffer.concat(collected);
      if (!this.#processingComplete) {
        this.#send('response_body', { response_body: { body, end_of_stream: !trailers } });
        const answer = await this.#awaitAnswer('response_body');
        const common = answer?.response_body?.response;
        if (common) {
          body = this.#applyBufferedBodyAnswer(
            'response_body',
            common,
            headersSent ? headers : undefined,
            body,
          );
        }
      }
      this.#startDownstream(headers);
      if (body.length > 0) this.#emit(body);
    } else {
      this.#startDownstream(headers);
      await this.#streamBody('response', source.frames, (chunk) => this.#emit(chunk));
    }

    if (trailers && this.#encoding.sendTrailers && !this.#processingComplete) {
      await this.#processTrailers('response_trailers', trailers);
    }
    if (trailers) this.#downstreamTrailers = trailers.toRecord();
    this.#responsePathMs = this.#elapsed() - (this.#responsePathStart ?? 0);
  }

  // ---- shared steps -------------------------------------------------------------------------

  async #processTrailers(
    phase: 'request_trailers' | 'response_trailers',
    trailers: HeaderList,
  ): Promise<void> {
    const encoded = { trailers: headersToProto(trailers, this.#config.sendRawValue) };
    this.#send(
      phase,
      phase === 'request_trailers' ? { request_trailers: encoded } : { response_trailers: encoded },
    );
    const answer = await this.#awaitAnswer(phase);
    const mutation = (phase === 'request_trailers' ? answer?.request_trailers : answer?.response_trailers)
      ?.header_mutation;
    this.#applyMutation(phase, trailers, mutation, false, false);
  }

  /** BUFFERED body answer: header mutation (while Envoy still holds the headers), content-length check, body mutation. */
  #applyBufferedBodyAnswer(
    phase: 'request_body' | 'response_body',
    common: CommonResponse,
    headers: HeaderList | undefined,
    body: Buffer,
  ): Buffer {
    const direction = phase === 'request_body' ? this.#decoding : this.#encoding;
    if (common.header_mutation) {
      if (headers) {
        this.#mutateHeaders(
          phase,
          headers,
          common.header_mutation,
          direction,
          common.status === 'CONTINUE_AND_REPLACE',
        );
      } else {
        this.#rejectAll(
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
          this.#fail(
            phase,
            this.#config.statusOnError,
            'mismatch between content length and the length of the mutated body',
          );
        }
      }
      out = applyBodyMutation(common.body_mutation) ?? body;
    }
    this.#considerRouteCache(phase, common);
    return out;
  }

  /** STREAMED body, pipelined: see {@link pipeStreamedBody}. */
  async #streamBody(
    direction: Direction,
    frames: AsyncIterator<Frame> | Iterator<Frame>,
    emit: (chunk: Buffer) => void,
  ): Promise<void> {
    const phase = direction === 'request' ? 'request_body' : 'response_body';
    await pipeStreamedBody(
      {
        stream: this.#stream,
        messageTimeoutMs: this.#config.messageTimeoutMs,
        processingComplete: () => this.#processingComplete,
        send: (frame) => {
          const body = { body: frame.data, end_of_stream: frame.endOfStream };
          this.#send(phase, direction === 'request' ? { request_body: body } : { response_body: body });
        },
        elapsed: () => this.#elapsed(),
        nextFrame: (source, stop) => this.#nextFrame(source, stop),
        onTimeout: () => this.#onMessageTimeout(phase),
        onClosed: (status) => this.#onStreamClosed(phase, status),
        onTimeoutOverride: (message, alreadyUsed) => this.#considerTimeoutOverride(message, alreadyUsed),
        accept: (message, latencyMs) => {
          this.#record.received(message, latencyMs);
          return this.#checkAnswer(message, phase);
        },
        applyAnswer: (answer, data) => {
          const common = (direction === 'request' ? answer.request_body : answer.response_body)?.response;
          if (!common) return data;
          if (common.header_mutation) {
            const reason = 'header mutations in answers to STREAMED body chunks are ignored';
            this.#rejectAll(phase, common.header_mutation, reason);
          }
          this.#considerRouteCache(phase, common);
          return applyBodyMutation(common.body_mutation) ?? data;
        },
      },
      frames,
      emit,
    );
  }

  /** Waits for the answer to the message just sent, handling timeouts, timer extensions and the end of the call. */
  async #awaitAnswer(phase: ProcessingPhase): Promise<WireProcessingResponse | undefined> {
    const sentAt = this.#record.lastSentAt;
    this.#stream.armTimer(this.#config.messageTimeoutMs);
    let timeoutOverridden = false;
    for (;;) {
      const event = await this.#stream.next();
      if (event.type === 'timeout') return this.#onMessageTimeout(phase);
      if (event.type === 'closed') return this.#onStreamClosed(phase, event.status);
      const message = event.message;
      if (message.override_message_timeout) {
        timeoutOverridden = this.#considerTimeoutOverride(message, timeoutOverridden);
        continue;
      }
      this.#stream.stopTimer();
      this.#record.received(message, this.#elapsed() - sentAt);
      return this.#checkAnswer(message, phase);
    }
  }

  /** Applies mode_override if allowed, ends on immediate_response, and sorts out answers of the wrong kind. */
  #checkAnswer(message: WireProcessingResponse, phase: ProcessingPhase): WireProcessingResponse | undefined {
    if (message.mode_override) this.#considerModeOverride(message.mode_override, phase);
    const kind = kindOf(message);
    if (kind === 'immediate_response' && message.immediate_response) {
      throw new EndOfExchange({ kind: 'immediate', phase, response: message.immediate_response });
    }
    if (kind === phase) return message;
    const last = this.#record.messages.at(-1);
    if (last?.message === message) last.note = 'spurious';
    if (this.#config.onSpuriousMessage === 'reject') {
      throw new ExtProcProtocolError(
        `ext_proc protocol error: awaited an answer to ${phase} but the processor sent ${kind === 'unknown' ? 'a message with no response set' : kind}`,
        phase,
        kind === 'unknown' ? undefined : kind,
      );
    }
    this.#stopProcessing(phase, 'spurious_message');
    this.#stream.cancel();
    return undefined;
  }

  #considerModeOverride(mode: ProcessingMode, phase: ProcessingPhase): void {
    if (!this.#config.allowModeOverride) {
      this.#record.modeOverrides.push({
        phase,
        mode,
        applied: false,
        reason: 'allow_mode_override is false',
      });
      return;
    }
    if (!HEADER_PHASES.has(phase)) {
      this.#record.modeOverrides.push({
        phase,
        mode,
        applied: false,
        reason: 'only honoured in answers to headers',
      });
      return;
    }
    let effective: ReturnType<typeof effectiveModeOverride>;
    try {
      effective = effectiveModeOverride(mode, this.#config.processingMode);
    } catch (error) {
      throw new ExtProcProtocolError((error as Error).message, phase, 'mode_override');
    }
    this.#decoding = requestDirection(effective);
    this.#encoding = responseDirection(effective);
    this.#record.modeOverrides.push({ phase, mode, applied: true });
  }

  #considerTimeoutOverride(message: WireProcessingResponse, alreadyOverridden: boolean): boolean {
    const requested = message.override_message_timeout ? durationToMs(message.override_message_timeout) : 0;
    const accepted = !alreadyOverridden && requested >= 1 && requested <= this.#config.maxMessageTimeoutMs;
    this.#record.received(
      message,
      undefined,
      accepted ? 'override_message_timeout' : 'override_message_timeout_ignored',
    );
    if (accepted) this.#stream.armTimer(requested);
    return alreadyOverridden || accepted;
  }

  #onMessageTimeout(phase: ProcessingPhase): undefined {
    if (this.#config.failureModeAllow) {
      this.#stopProcessing(phase, 'message_timeout');
      this.#stream.cancel();
      return undefined;
    }
    this.#stream.cancel();
    this.#fail(phase, 504, 'ext_proc_error_per-message_timeout_exceeded');
  }

  #onStreamClosed(phase: ProcessingPhase, status: grpc.StatusObject): undefined {
    if (status.code === OK) {
      this.#stopProcessing(phase, 'stream_closed');
      return undefined;
    }
    if (this.#config.failureModeAllow) {
      this.#stopProcessing(phase, 'grpc_error');
      return undefined;
    }
    this.#fail(phase, this.#config.statusOnError, `ext_proc_error_gRPC_error_${status.code}`);
  }

  #stopProcessing(
    phase: ProcessingPhase,
    reason: NonNullable<ExchangeResult['processingStopped']>['reason'],
  ): void {
    this.#processingComplete = true;
    this.#processingStopped ??= { phase, reason };
    this.#stream.stopTimer();
  }

  #fail(phase: ProcessingPhase, status: number, details: string): never {
    throw new EndOfExchange({ kind: 'local', phase, status, details });
  }

  #mutateHeaders(
    phase: ProcessingPhase,
    headers: HeaderList,
    mutation: HeaderMutation | undefined,
    direction: DirectionMode,
    replacing: boolean,
  ): void {
    this.#applyMutation(phase, headers, mutation, replacing, shouldRemoveContentLength(direction));
  }

  #applyMutation(
    phase: ProcessingPhase,
    headers: HeaderList,
    mutation: HeaderMutation | undefined,
    replacing: boolean,
    skipContentLength: boolean,
  ): void {
    if (!mutation) return;
    try {
      const rejected = applyHeaderMutation(headers, mutation, {
        rawValue: this.#config.sendRawValue,
        rules: this.#config.mutationRules,
        appendSemantics: this.#config.headerAppendSemantics,
        replacingMessage: replacing,
        skipContentLength,
      });
      this.#record.rejected(phase, rejected);
    } catch (error) {
      if (error instanceof HeaderMutationError) this.#fail(phase, this.#config.statusOnError, error.message);
      throw error;
    }
  }

  #rejectAll(phase: ProcessingPhase, mutation: HeaderMutation, reason: string): void {
    const rejected: RejectedMutation[] = [
      ...(mutation.remove_headers ?? []).map((header) => ({ operation: 'remove' as const, header, reason })),
      ...(mutation.set_headers ?? []).map((option) => ({
        operation: 'set' as const,
        header: option.header.key,
        reason,
      })),
    ];
    this.#record.rejected(phase, rejected);
  }

  #considerRouteCache(phase: ProcessingPhase, common: CommonResponse): void {
    const event = routeCacheDecision(phase, common, this.#config.routeCacheAction, this.#routeReleased);
    if (event) this.#record.routeCacheEvents.push(event);
  }

  // ---- downstream ---------------------------------------------------------------------------

  #startDownstream(headers: HeaderList): void {
    this.#downstreamStatus = Number(headers.get(':status') ?? 0);
    const list = new HeaderList();
    for (const [name, value] of headers.entries()) if (!name.startsWith(':')) list.add(name, value);
    this.#downstreamHeaders = list;
    this.#downstreamStarted = true;
    this.#context.callbacks.onResponseHeaders?.(this.#downstreamStatus, list.toRecord());
  }

  #emit(chunk: Buffer): void {
    this.#downstreamChunks.push(chunk);
    this.#context.callbacks.onResponseChunk?.(chunk);
  }

  /** Ends the exchange with a local reply, or a reset once the response has started downstream. */
  #end(ending: Ending): void {
    if (ending.kind === 'reset') {
      this.#outcome = 'reset';
      return;
    }
    const options = {
      rawValue: this.#config.sendRawValue,
      rules: this.#config.mutationRules,
      appendSemantics: this.#config.headerAppendSemantics,
    };
    let reply: LocalReply;
    if (ending.kind === 'immediate') {
      reply = immediateReply(ending.response, options);
      const immediate: NonNullable<ExchangeResult['immediateResponse']> = {
        phase: ending.phase,
        status: reply.status,
      };
      if (ending.response.details) immediate.details = ending.response.details;
      if (ending.response.grpc_status?.status !== undefined)
        immediate.grpcStatus = ending.response.grpc_status.status;
      this.#immediate = immediate;
      this.#record.rejected('immediate_response', reply.rejected);
    } else {
      reply = localReply(ending.status, Buffer.alloc(0), undefined, options);
      this.#localReply = { phase: ending.phase, status: reply.status, details: ending.details };
    }
    this.#processingComplete = true;
    if (this.#downstreamStarted) {
      this.#outcome = 'reset';
      return;
    }
    this.#outcome = ending.kind === 'immediate' ? 'immediate_response' : 'local_reply';
    reply.headers.add(':status', String(reply.status));
    this.#startDownstream(reply.headers);
    if (reply.body.length > 0) this.#emit(reply.body);
  }

  // ---- stream plumbing ----------------------------------------------------------------------

  #send(kind: ProcessingPhase, message: ProcessingRequest): void {
    this.#record.sent(kind, message);
    this.#stream.send(message);
  }

  /** Ends the stream: half-close, then wait for the server (graceful) or cancel at once (reset). */
  async #close(): Promise<void> {
    const stream = this.#stream;
    if (!stream.closed) {
      stream.halfClose();
      if (this.#config.closeMode === 'graceful') {
        const status = await this.#guard(stream.waitForStatus(this.#config.closeTimeoutMs));
        if (!status) stream.cancel();
      } else {
        stream.cancel();
      }
    }
    for (const message of stream.takeQueued())
      this.#record.received(message, undefined, 'unexpected_after_processing');
  }

  #abort(): void {
    if (this.#abortError) return;
    const reason = this.#context.signal?.reason;
    this.#abortError = new ExchangeAbortedError(undefined, { cause: reason });
    this.#stream.interrupt(this.#abortError);
    this.#stream.cancel();
    this.#upstreamAbort.abort(reason);
    this.#rejectAborted?.(this.#abortError);
  }

  /** Races `promise` against the exchange being aborted. */
  #guard<T>(promise: Promise<T>): Promise<T> {
    return Promise.race([promise, this.#aborted]);
  }

  async #drain(
    frames: AsyncIterator<Frame> | Iterator<Frame>,
    onFrame: (frame: Frame) => void,
  ): Promise<void> {
    for (;;) {
      const step = await this.#nextFrame(frames);
      if (step.done) return;
      onFrame(step.value);
    }
  }

  /**
   * The next upstream frame. An upstream that breaks off mid-body makes Envoy reset the stream:
   * the router has already passed the response headers on, so no error reply is possible.
   */
  async #nextFrame(
    frames: AsyncIterator<Frame> | Iterator<Frame>,
    stop?: Promise<void>,
  ): Promise<IteratorResult<Frame, unknown> | { done: true; value: undefined }> {
    const next = Promise.resolve(frames.next());
    const raced = stop
      ? Promise.race([next, stop.then(() => ({ done: true as const, value: undefined }))])
      : next;
    try {
      return await this.#guard(raced);
    } catch (error) {
      if (this.#abortError) throw error;
      this.#upstreamError = error;
      throw new EndOfExchange({ kind: 'reset', phase: 'response_body', error });
    }
  }

  #elapsed(): number {
    return this.#record.elapsed();
  }

  #result(closeMs: number): ExchangeResult {
    const response: DownstreamResponse = {
      status: this.#downstreamStatus,
      headers: this.#downstreamHeaders.toRecord(),
      headerList: this.#downstreamHeaders.entries(),
      body: Buffer.concat(this.#downstreamChunks),
      chunks: [...this.#downstreamChunks],
    };
    if (this.#downstreamTrailers) response.trailers = this.#downstreamTrailers;
    const status = this.#stream.status;
    const result: ExchangeResult = {
      outcome: this.#outcome,
      response,
      upstreamCalled: this.#upstreamCalled,
      messages: this.#record.messages,
      sent: this.#record.kinds('sent'),
      received: this.#record.kinds('received'),
      routeCache: { cleared: this.#record.routeCacheCleared(), events: this.#record.routeCacheEvents },
      modeOverrides: this.#record.modeOverrides,
      finalModes: { request: this.#decoding, response: this.#encoding },
      rejectedMutations: this.#record.rejectedMutations,
      timings: {
        startedAt: this.#record.startedAt,
        requestPathMs: this.#requestPathMs ?? this.#elapsed(),
        closeMs,
        totalMs: this.#elapsed(),
      },
    };
    if (this.#forwarded && this.#upstreamCalled) result.forwarded = this.#forwarded;
    if (this.#upstreamError !== undefined) result.upstreamError = this.#upstreamError;
    if (this.#immediate) result.immediateResponse = this.#immediate;
    if (this.#localReply) result.localReply = this.#localReply;
    if (this.#processingStopped) result.processingStopped = this.#processingStopped;
    if (status) result.grpcStatus = { code: status.code, details: status.details };
    if (this.#upstreamMs !== undefined) result.timings.upstreamMs = this.#upstreamMs;
    if (this.#responsePathMs !== undefined) result.timings.responsePathMs = this.#responsePathMs;
    return result;
  }
}
