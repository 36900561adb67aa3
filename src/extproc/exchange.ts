import { randomUUID } from 'node:crypto';
import { RouterError } from '../errors.ts';
import { Headers } from '../headers.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { failureOutcome, type PipelineObserver, type RouteOutcome, route } from '../pipeline.ts';
import type { RuntimePolicy } from '../policy/runtime-policy.ts';
import { parseChatRequest } from '../request/chat-request.ts';
import { RequestBudget } from '../request/request-budget.ts';
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
  modelsReply,
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

  /**
   * The answer to a message whose handling failed inside the router. A response phase goes on
   * unchanged. A request phase goes on unchanged only when nothing could be missed by it: under a
   * policy with guards (and `onGuardFailure: reject`) it is refused with a 503 instead, since the
   * failure could have skipped a reject or a redaction.
   */
  failureAnswer(message: ProcessingRequest): ProcessingResponse {
    const policy = this.#policy ?? this.#ctx.policies.current;
    const failClosed = policy.hasGuards && policy.settings.onGuardFailure === 'reject';
    switch (message.request) {
      case 'request_headers':
        return failClosed ? this.#failedClosed() : CONTINUE_REQUEST_HEADERS;
      case 'request_body':
        return failClosed && !this.#passThrough ? this.#failedClosed() : CONTINUE_REQUEST_BODY;
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

  #failedClosed(): ProcessingResponse {
    this.#complete = true;
    this.#error = new RouterError('unavailable', 'the router failed while checking this request');
    return errorReply(503, this.#error.message, 'guard_unavailable', this.#encoding);
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
    const method = this.#headers.get(Headers.method);
    if (method === 'GET' && policy.modelsPaths.has(this.#path)) {
      this.#passThrough = true;
      this.#complete = true;
      return modelsReply(policy, this.#encoding);
    }
    const isChat = method === 'POST' && policy.chatPaths.has(this.#path);
    if (!isChat) {
      this.#passThrough = true;
      this.#complete = true;
      this.#ctx.metrics.passThrough.inc();
      return PASS_THROUGH;
    }
    if (message.end_of_stream) {
      return this.#reply(
        new RouterError('bad_request', 'a chat request needs a JSON body; this one has none'),
      );
    }
    const declared = Number(this.#headers.get(Headers.contentLength));
    if (declared > policy.settings.maxBodyBytes) return this.#reply(this.#tooLarge(declared));
    return CONTINUE_REQUEST_HEADERS;
  }

  #requestBody(message: HttpBody): Answer {
    const policy = this.#policy;
    if (this.#passThrough || !policy) return CONTINUE_REQUEST_BODY;
    const budget = new RequestBudget(policy.settings.budgetMs);
    const body = message.body ?? Buffer.alloc(0);
    if (!message.end_of_stream && !this.#isWholeBody(body)) {
      // Only BUFFERED mode hands the router the whole body; a part of one cannot be checked.
      return this.#fail(policy, 'the router got only part of the request body (Envoy must buffer it)');
    }
    if (body.length > policy.settings.maxBodyBytes) return this.#reply(this.#tooLarge(body.length));
    const parseStarted = performance.now();
    let request: RouterRequest;
    try {
      const { maxJsonDepth, maxJsonValues, maxMessages } = policy.settings;
      const chat = parseChatRequest(body, { maxDepth: maxJsonDepth, maxValues: maxJsonValues, maxMessages });
      request = new RouterRequest(this.#id, this.#headers, chat, budget);
    } catch (error) {
      if (error instanceof RouterError) return this.#reply(error);
      throw error;
    }
    this.#ctx.observer.stageFinished('parse', (performance.now() - parseStarted) / 1000);
    return this.#routeWithin(request, policy);
  }

  /**
   * Routes the request, answering within its budget whatever happens: when routing fails, or is
   * still running when the budget is spent (it then stops at its next pause), the answer is the
   * policy's failure answer.
   */
  #routeWithin(request: RouterRequest, policy: RuntimePolicy): Promise<ProcessingResponse> {
    let timer: NodeJS.Timeout | undefined;
    const outOfTime = new Promise<ProcessingResponse>((resolve) => {
      timer = setTimeout(() => {
        request.budget.cancel();
        this.#ctx.metrics.degradations.inc({ kind: 'budget_exhausted' });
        resolve(this.#fail(policy, `no answer within the budget of ${policy.settings.budgetMs} ms`, request));
      }, request.budget.remaining());
    });
    const routed = route(request, policy, this.#ctx.observer).then(
      (outcome) => this.#answer(outcome, request, policy),
      (error: unknown) => {
        this.#ctx.logger.error({ err: error, id: this.#id }, 'routing failed');
        return this.#fail(policy, 'routing failed', request);
      },
    );
    return Promise.race([routed, outOfTime]).finally(() => clearTimeout(timer));
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

  #answer(outcome: RouteOutcome, request: RouterRequest, policy: RuntimePolicy): ProcessingResponse {
    const started = performance.now();
    let response: ProcessingResponse;
    try {
      response = outcomeMutation(outcome, request, this.#encoding);
    } catch (error) {
      // E.g. a body that cannot be written back: never forward the original instead.
      this.#ctx.logger.error({ err: error, id: this.#id }, 'could not write the routed request');
      return this.#fail(policy, 'the routed request could not be written', request);
    }
    this.#outcome = outcome;
    if (outcome.kind === 'reject') this.#complete = true;
    const now = performance.now();
    this.#ctx.observer.stageFinished('mutation', (now - started) / 1000);
    this.#ctx.observer.stageFinished('request_path', (now - this.#started) / 1000);
    return response;
  }

  /**
   * The answer when the request could not be routed (see `failureOutcome`): refused when the policy
   * has guards, else the default route or a 503 as `onError` says. Counted once, as an internal
   * error. With a request, the default route is written as a routed body; without one (the body
   * could not be read or written), a default route lets the original body through.
   */
  #fail(policy: RuntimePolicy, why: string, request?: RouterRequest): ProcessingResponse {
    this.#ctx.metrics.errors.inc({ kind: 'internal' });
    const outcome = failureOutcome(policy, why);
    if (outcome?.kind === 'route') {
      this.#ctx.metrics.degradations.inc({ kind: 'fail_open' });
      if (request) {
        try {
          const response = outcomeMutation(outcome, request, this.#encoding);
          this.#outcome = outcome;
          return response;
        } catch {
          // fall through to the unrouted default
        }
      }
      this.#outcome = outcome;
      return CONTINUE_REQUEST_BODY;
    }
    if (outcome) {
      this.#outcome = outcome;
      this.#complete = true;
      return outcomeMutation(outcome, request, this.#encoding);
    }
    this.#error = new RouterError('unavailable', `the router could not route this request (${why})`);
    this.#complete = true;
    return errorReply(503, this.#error.message, this.#error.code, this.#encoding);
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
              setHeader(Headers.requestId, this.#id, this.#encoding),
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

  /** A client error (bad or oversized request), answered and counted. */
  #reply(error: RouterError): ProcessingResponse {
    this.#error = error;
    this.#complete = true;
    this.#ctx.metrics.errors.inc({
      kind: error.code === 'payload_too_large' ? 'payload_too_large' : 'bad_request',
    });
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
        reason: outcome?.reason ?? this.#error?.message,
        message: outcome?.kind === 'reject' ? outcome.message : undefined,
        status:
          this.#status ?? this.#error?.status ?? (outcome?.kind === 'reject' ? outcome.status : undefined),
        stream: how,
        ms: Math.round((performance.now() - this.#started) * 100) / 100,
      },
      'request',
    );
  }
}
