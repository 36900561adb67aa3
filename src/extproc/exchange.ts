import { randomUUID } from 'node:crypto';
import { RouterError } from '../errors.ts';
import { Headers } from '../headers.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { defaultRoute, type PipelineObserver, type RouteOutcome, route } from '../pipeline.ts';
import type { RuntimePolicy } from '../policy/runtime-policy.ts';
import { parseChatRequest } from '../request/chat-request.ts';
import { RouterRequest } from '../request/router-request.ts';
import { SseUsageScanner, type Usage, usageFromJson } from '../response/usage.ts';
import { detectEncoding, type HeaderEncoding, readHeaders, setHeader } from './header-map.ts';
import type { HttpBody, HttpHeaders, ProcessingRequest, ProcessingResponse } from './messages.ts';
import { outcomeMutation } from './mutations.ts';
import {
  CONTINUE_REQUEST_BODY,
  CONTINUE_REQUEST_HEADERS,
  CONTINUE_REQUEST_TRAILERS,
  CONTINUE_RESPONSE_BODY,
  CONTINUE_RESPONSE_TRAILERS,
  errorReply,
  PASS_THROUGH,
} from './responses.ts';

/** What every exchange shares: the policy being served, metrics, logs. */
export interface RouterContext {
  readonly policies: { readonly current: RuntimePolicy };
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly observer: PipelineObserver;
}

type Answer = ProcessingResponse | Promise<ProcessingResponse>;

/**
 * The router's side of one ext_proc stream (one HTTP exchange). Phases arrive in Envoy's order;
 * each gets exactly one answer. The policy is pinned when the request headers arrive, so a reload
 * mid-exchange does not mix two policies.
 */
export class Exchange {
  readonly #ctx: RouterContext;
  #policy: RuntimePolicy | undefined;
  #id = '';
  #path = '';
  #headers: Map<string, string> = new Map();
  #encoding: HeaderEncoding = 'raw_value';
  #passThrough = false;
  #outcome: RouteOutcome | undefined;
  #error: RouterError | undefined;
  #status: number | undefined;
  #streamedResponse: SseUsageScanner | undefined;
  #responseChunks: Buffer[] = [];
  #started = performance.now();
  #complete = false;

  constructor(ctx: RouterContext) {
    this.#ctx = ctx;
  }

  /** True once the exchange got every answer it needs (a later cancel is Envoy closing the stream). */
  get complete(): boolean {
    return this.#complete;
  }

  handle(message: ProcessingRequest): Answer {
    switch (message.request) {
      case 'request_headers':
        return this.#requestHeaders(message.request_headers ?? {});
      case 'request_body':
        return this.#requestBody(message.request_body ?? {});
      case 'request_trailers':
        return CONTINUE_REQUEST_TRAILERS;
      case 'response_headers':
        return this.#responseHeaders(message.response_headers ?? {});
      case 'response_body':
        return this.#responseBody(message.response_body ?? {});
      case 'response_trailers':
        this.#complete = true;
        return CONTINUE_RESPONSE_TRAILERS;
      default:
        throw new RouterError('bad_request', `unknown ext_proc message ${String(message.request)}`);
    }
  }

  /** The answer that lets a phase through unchanged; used when handling it failed internally. */
  static passThroughAnswer(message: ProcessingRequest): ProcessingResponse {
    switch (message.request) {
      case 'request_headers':
        return CONTINUE_REQUEST_HEADERS;
      case 'request_body':
        return CONTINUE_REQUEST_BODY;
      case 'request_trailers':
        return CONTINUE_REQUEST_TRAILERS;
      case 'response_headers':
        return { response_headers: {} };
      case 'response_body':
        return CONTINUE_RESPONSE_BODY;
      default:
        return CONTINUE_RESPONSE_TRAILERS;
    }
  }

  #requestHeaders(message: HttpHeaders): ProcessingResponse {
    const policy = this.#ctx.policies.current;
    this.#policy = policy;
    this.#headers = readHeaders(message.headers);
    this.#encoding = detectEncoding(message.headers);
    this.#id = this.#headers.get(Headers.requestId) || randomUUID();
    const rawPath = this.#headers.get(Headers.path) ?? '';
    const query = rawPath.indexOf('?');
    this.#path = query < 0 ? rawPath : rawPath.slice(0, query);
    const isChat = this.#headers.get(Headers.method) === 'POST' && policy.chatPaths.has(this.#path);
    if (!isChat || message.end_of_stream) {
      this.#passThrough = true;
      this.#complete = true;
      this.#ctx.metrics.passThrough.inc();
      return PASS_THROUGH;
    }
    const declared = Number(this.#headers.get(Headers.contentLength));
    if (declared > policy.settings.maxBodyBytes) return this.#reply(this.#tooLarge(declared));
    return CONTINUE_REQUEST_HEADERS;
  }

  #requestBody(message: HttpBody): Answer {
    const policy = this.#policy;
    if (this.#passThrough || !policy) return CONTINUE_REQUEST_BODY;
    const body = message.body ?? Buffer.alloc(0);
    if (!message.end_of_stream && !this.#isWholeBody(body)) {
      // Only BUFFERED mode hands the router the whole body; a partial body cannot be rewritten.
      this.#ctx.metrics.degradations.inc({ kind: 'streamed_request_body' });
      this.#passThrough = true;
      return CONTINUE_REQUEST_BODY;
    }
    if (body.length > policy.settings.maxBodyBytes) return this.#reply(this.#tooLarge(body.length));
    const parseStarted = performance.now();
    let request: RouterRequest;
    try {
      request = new RouterRequest(this.#id, this.#headers, parseChatRequest(body));
    } catch (error) {
      if (error instanceof RouterError) return this.#reply(error);
      throw error;
    }
    this.#ctx.observer.stageFinished('parse', (performance.now() - parseStarted) / 1000);
    return route(request, policy, this.#ctx.observer).then(
      (outcome) => this.#answer(outcome, request),
      (error: unknown) => this.#failOpen(error, policy, request),
    );
  }

  /**
   * In BUFFERED mode a request with trailers comes as one body message without end_of_stream (the
   * trailers follow). The body is whole when its length is the declared one, or, with no declared
   * length, when it parses as JSON; a STREAMED chunk is neither.
   */
  #isWholeBody(body: Buffer): boolean {
    const declared = this.#headers.get(Headers.contentLength);
    if (declared !== undefined) return Number(declared) === body.length;
    try {
      JSON.parse(body.toString('utf8'));
      return true;
    } catch {
      return false;
    }
  }

  #answer(outcome: RouteOutcome, request: RouterRequest): ProcessingResponse {
    const started = performance.now();
    this.#outcome = outcome;
    const response = outcomeMutation(outcome, request, this.#encoding);
    if (outcome.kind === 'reject') this.#complete = true;
    const now = performance.now();
    this.#ctx.observer.stageFinished('mutation', (now - started) / 1000);
    this.#ctx.observer.stageFinished('request_path', (now - this.#started) / 1000);
    return response;
  }

  #failOpen(error: unknown, policy: RuntimePolicy, request: RouterRequest): ProcessingResponse {
    this.#ctx.metrics.errors.inc({ kind: 'internal' });
    this.#ctx.logger.error({ err: error, id: this.#id }, 'routing failed');
    if (policy.settings.onError === 'reject') {
      return this.#reply(
        new RouterError('unavailable', 'the router could not route this request', { cause: error }),
      );
    }
    this.#ctx.metrics.degradations.inc({ kind: 'fail_open' });
    return this.#answer(defaultRoute(policy, 'fail-open: routing error'), request);
  }

  #responseHeaders(message: HttpHeaders): ProcessingResponse {
    const headers = readHeaders(message.headers);
    this.#status = Number(headers.get(Headers.status)) || undefined;
    if (message.end_of_stream) this.#complete = true;
    const outcome = this.#outcome;
    if (outcome?.kind !== 'route') return { response_headers: {} };
    const response: ProcessingResponse = {
      response_headers: {
        response: {
          header_mutation: {
            set_headers: [
              setHeader(Headers.responseModel, outcome.model.name, this.#encoding),
              setHeader(Headers.decision, outcome.decision, this.#encoding),
            ],
          },
        },
      },
    };
    if (headers.get(Headers.contentType)?.startsWith('text/event-stream')) {
      // Buffering an event stream would hold every token until the end: ask Envoy to stream it.
      this.#streamedResponse = new SseUsageScanner();
      response.mode_override = { response_body_mode: 'STREAMED' };
    }
    return response;
  }

  #responseBody(message: HttpBody): ProcessingResponse {
    const chunk = message.body;
    if (this.#outcome?.kind === 'route' && chunk && chunk.length > 0) {
      if (this.#streamedResponse) this.#streamedResponse.push(chunk);
      else this.#responseChunks.push(chunk);
    }
    if (message.end_of_stream) {
      this.#complete = true;
      this.#recordUsage(
        this.#streamedResponse
          ? this.#streamedResponse.usage
          : usageFromJson(Buffer.concat(this.#responseChunks)),
      );
      this.#responseChunks = [];
    }
    return CONTINUE_RESPONSE_BODY;
  }

  #recordUsage(usage: Usage | undefined): void {
    const outcome = this.#outcome;
    if (!usage || outcome?.kind !== 'route') return;
    const { metrics } = this.#ctx;
    const model = outcome.model.name;
    metrics.tokens.inc({ model, direction: 'prompt' }, usage.promptTokens);
    metrics.tokens.inc({ model, direction: 'completion' }, usage.completionTokens);
    const pricing = outcome.model.pricing;
    if (pricing) {
      const cost =
        (usage.promptTokens * pricing.inputPerMillion + usage.completionTokens * pricing.outputPerMillion) /
        1e6;
      metrics.cost.inc({ model }, cost);
    }
  }

  #tooLarge(bytes: number): RouterError {
    const limit = this.#policy?.settings.maxBodyBytes ?? 0;
    return new RouterError(
      'payload_too_large',
      `request body of ${bytes} bytes exceeds the limit of ${limit} bytes`,
    );
  }

  #reply(error: RouterError): ProcessingResponse {
    this.#error = error;
    this.#complete = true;
    const kind =
      error.code === 'payload_too_large'
        ? 'payload_too_large'
        : error.code === 'bad_request'
          ? 'bad_request'
          : 'internal';
    this.#ctx.metrics.errors.inc({ kind });
    return errorReply(error.status, error.message, error.code, this.#encoding);
  }

  /** Logs the one line per request and counts it; called once when the stream ends. */
  finish(how: 'completed' | 'cancelled' | 'error'): void {
    const { metrics, logger } = this.#ctx;
    if (how !== 'completed' && !this.#complete) metrics.errors.inc({ kind: 'cancelled' });
    if (this.#passThrough && !this.#outcome) return;
    const outcome = this.#outcome;
    const decision = outcome?.decision ?? (this.#error ? this.#error.code : 'none');
    const model = outcome?.kind === 'route' ? outcome.model.name : '';
    const result = outcome?.kind ?? (this.#error ? 'error' : 'incomplete');
    metrics.requests.inc({ decision, model, outcome: result });
    logger.info(
      {
        id: this.#id,
        path: this.#path,
        decision,
        model: model || undefined,
        outcome: result,
        reason: outcome?.kind === 'route' ? outcome.reason : (outcome?.message ?? this.#error?.message),
        status:
          this.#status ?? this.#error?.status ?? (outcome?.kind === 'reject' ? outcome.status : undefined),
        stream: how,
        ms: Math.round((performance.now() - this.#started) * 100) / 100,
      },
      'request',
    );
  }
}
