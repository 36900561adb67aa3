import { randomUUID } from 'node:crypto';
import { RouterError } from '../errors.ts';
import { Headers } from '../headers.ts';
import { failureOutcome, type PipelineObserver, type RouteOutcome, route } from '../pipeline.ts';
import type { RuntimePolicy } from '../policy/runtime-policy.ts';
import { bodyTooLarge, type ChatRequest, chatLimits, parseChatRequest } from '../request/chat-request.ts';
import { RequestBudget } from '../request/request-budget.ts';
import { RouterRequest } from '../request/router-request.ts';
import type { ExchangeEvents, ExchangeServices } from './exchange-events.ts';
import { detectEncoding, type HeaderEncoding, readHeaders, setHeader } from './header-map.ts';
import type { HttpBody, HttpHeaders, ProcessingRequest, ProcessingResponse } from './messages.ts';
import { outcomeMutation } from './mutations.ts';
import { ResponseWatch } from './response-watch.ts';
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

/** What every exchange shares: the policy being served, the pipeline's observer, the services. */
export interface RouterContext extends ExchangeServices {
  readonly policies: { readonly current: RuntimePolicy };
  readonly observer: PipelineObserver;
}

type Answer = ProcessingResponse | Promise<ProcessingResponse>;

/**
 * The router's side of one ext_proc stream (one HTTP exchange): phases and answers. Phases arrive in
 * Envoy's order; each gets exactly one answer. The policy is pinned when the request headers
 * arrive, so a reload mid-exchange does not mix two policies. What the exchange does is reported to
 * its `ExchangeEvents` (logs and metrics live there); what watches the response is a list of
 * `ResponseObserver`s.
 */
export class Exchange {
  readonly #ctx: RouterContext;
  readonly #events: ExchangeEvents;
  readonly #started = performance.now();
  #policy: RuntimePolicy | undefined;
  #id = '';
  #headers: Map<string, string> = new Map();
  #encoding: HeaderEncoding = 'raw_value';
  #passThrough = false;
  #outcome: RouteOutcome | undefined;
  #watch: ResponseWatch | undefined;
  #complete = false;

  constructor(ctx: RouterContext, events: ExchangeEvents) {
    this.#ctx = ctx;
    this.#events = events;
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
        this.#end(true);
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

  /** The stream ended (for whatever reason): observers learn whether the response was whole, then the log line. */
  finish(how: 'completed' | 'cancelled' | 'error'): void {
    this.#end(false);
    this.#events.finished(how, this.#complete);
  }

  #failedClosed(): ProcessingResponse {
    this.#complete = true;
    const error = new RouterError('unavailable', 'the router failed while checking this request');
    this.#events.refused(error);
    return errorReply(503, error.message, 'guard_unavailable', this.#encoding);
  }

  #requestHeaders(message: HttpHeaders): ProcessingResponse {
    const policy = this.#ctx.policies.current;
    this.#policy = policy;
    this.#headers = readHeaders(message.headers);
    this.#encoding = detectEncoding(message.headers);
    this.#id = this.#headers.get(Headers.requestId) || randomUUID();
    const rawPath = this.#headers.get(Headers.path) ?? '';
    const query = rawPath.indexOf('?');
    const path = query < 0 ? rawPath : rawPath.slice(0, query);
    this.#events.identified(this.#id, path);
    const method = this.#headers.get(Headers.method);
    if (method === 'GET' && policy.modelsPaths.has(path)) {
      this.#passThrough = true;
      this.#complete = true;
      return modelsReply(policy, this.#encoding);
    }
    if (method !== 'POST' || !policy.chatPaths.has(path)) {
      this.#passThrough = true;
      this.#complete = true;
      this.#events.passedThrough();
      return PASS_THROUGH;
    }
    if (message.end_of_stream) {
      return this.#refuse(
        new RouterError('bad_request', 'a chat request needs a JSON body; this one has none'),
      );
    }
    const tooLarge = bodyTooLarge(Number(this.#headers.get(Headers.contentLength)), policy.settings);
    return tooLarge ? this.#refuse(tooLarge) : CONTINUE_REQUEST_HEADERS;
  }

  #requestBody(message: HttpBody): Answer {
    const policy = this.#policy;
    if (this.#passThrough || !policy) return CONTINUE_REQUEST_BODY;
    const budget = new RequestBudget(policy.settings.budgetMs);
    const body = message.body ?? Buffer.alloc(0);
    const declared = this.#headers.get(Headers.contentLength);
    // Only BUFFERED mode hands the router the whole body; a part of one cannot be checked. A body
    // without end_of_stream is whole when trailers follow it: its declared length says so, or,
    // without one, whether it parses.
    const partial = !message.end_of_stream && declared !== undefined && Number(declared) !== body.length;
    if (partial)
      return this.#fail(policy, 'the router got only part of the request body (Envoy must buffer it)');
    const tooLarge = bodyTooLarge(body.length, policy.settings);
    if (tooLarge) return this.#refuse(tooLarge);
    const parseStarted = performance.now();
    let chat: ChatRequest;
    try {
      chat = parseChatRequest(body, chatLimits(policy.settings));
    } catch (error) {
      if (!(error instanceof RouterError)) throw error;
      if (!message.end_of_stream && declared === undefined) {
        return this.#fail(policy, 'the router got only part of the request body (Envoy must buffer it)');
      }
      return this.#refuse(error);
    }
    const request = new RouterRequest(this.#id, this.#headers, chat, budget);
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
    let late = false;
    const outOfTime = new Promise<ProcessingResponse>((resolve) => {
      timer = setTimeout(() => {
        late = true;
        request.budget.cancel();
        this.#events.outOfTime();
        resolve(this.#fail(policy, `no answer within the budget of ${policy.settings.budgetMs} ms`, request));
      }, request.budget.remaining());
    });
    // A route that ends after the budget's answer was given is dropped: the failure answer is what
    // Envoy acted on, so nothing may store, learn from or log the late choice.
    const routed = route(request, policy, this.#ctx.observer).then(
      (outcome) => (late ? this.#dropLate(outcome, outOfTime) : this.#answer(outcome, request, policy)),
      (error: unknown) => (late ? outOfTime : this.#fail(policy, 'routing failed', request, error)),
    );
    return Promise.race([routed, outOfTime]).finally(() => clearTimeout(timer));
  }

  /** Releases what a route that ended too late set up to watch a response that will never come. */
  #dropLate(outcome: RouteOutcome, answered: Promise<ProcessingResponse>): Promise<ProcessingResponse> {
    if (outcome.kind === 'route') {
      const elapsedMs = performance.now() - this.#started;
      for (const observer of outcome.observers) {
        try {
          observer.ended?.({ complete: false, elapsedMs });
        } catch (error) {
          this.#events.observerFailed(error);
        }
      }
    }
    return answered;
  }

  #answer(outcome: RouteOutcome, request: RouterRequest, policy: RuntimePolicy): ProcessingResponse {
    const started = performance.now();
    let response: ProcessingResponse;
    try {
      response = outcomeMutation(outcome, request, this.#encoding);
    } catch (error) {
      // E.g. a body that cannot be written back: never forward the original instead.
      return this.#fail(policy, 'the routed request could not be written', request, error);
    }
    this.#settle(outcome);
    const now = performance.now();
    this.#ctx.observer.stageFinished('mutation', (now - started) / 1000);
    this.#ctx.observer.stageFinished('request_path', (now - this.#started) / 1000);
    return response;
  }

  /** Keeps the outcome; a routed one gets its response watched, any other ends the exchange here. */
  #settle(outcome: RouteOutcome): void {
    this.#outcome = outcome;
    this.#events.routed(outcome);
    if (outcome.kind !== 'route') {
      this.#complete = true;
      return;
    }
    const observers = [...this.#ctx.responseObservers(outcome), ...outcome.observers];
    this.#watch = new ResponseWatch(observers, this.#started, (error) => this.#events.observerFailed(error));
  }

  /**
   * The answer when the request could not be routed (see `failureOutcome`): refused when the policy
   * has guards, else the default route or a 503 as `onError` says. Reported once. With a request,
   * the default route is written as a routed body; without one, a default route lets the original
   * body through.
   */
  #fail(policy: RuntimePolicy, why: string, request?: RouterRequest, error?: unknown): ProcessingResponse {
    this.#events.failed(why, error);
    const outcome = failureOutcome(policy, why);
    if (outcome?.kind === 'route') {
      this.#events.failedOpen();
      let response: ProcessingResponse = CONTINUE_REQUEST_BODY;
      if (request) {
        try {
          response = outcomeMutation(outcome, request, this.#encoding);
        } catch {
          // the original body goes on, unrouted
        }
      }
      this.#settle(outcome);
      return response;
    }
    if (outcome) {
      this.#settle(outcome);
      return outcomeMutation(outcome, request, this.#encoding);
    }
    this.#complete = true;
    const refusal = new RouterError('unavailable', `the router could not route this request (${why})`);
    return errorReply(503, refusal.message, refusal.code, this.#encoding);
  }

  #responseHeaders(message: HttpHeaders): ProcessingResponse {
    const headers = readHeaders(message.headers);
    const status = Number(headers.get(Headers.status)) || undefined;
    this.#events.responded(status);
    const outcome = this.#outcome;
    const streamed = headers.get(Headers.contentType)?.startsWith('text/event-stream') === true;
    this.#watch?.started(status ?? 0, headers, streamed);
    if (message.end_of_stream) this.#end(true);
    if (outcome?.kind !== 'route') return { response_headers: {} };
    const response: ProcessingResponse = {
      response_headers: {
        response: {
          header_mutation: {
            set_headers: [
              setHeader(Headers.responseModel, outcome.model.name, this.#encoding),
              setHeader(Headers.decision, outcome.decision, this.#encoding),
              setHeader(Headers.requestId, this.#id, this.#encoding),
              setHeader(Headers.routerRequestId, this.#id, this.#encoding),
            ],
          },
        },
      },
    };
    // Buffering an event stream would hold every token until the end: ask Envoy to stream it.
    if (streamed) response.mode_override = { response_body_mode: 'STREAMED' };
    return response;
  }

  #responseBody(message: HttpBody): ProcessingResponse {
    if (message.body && message.body.length > 0) this.#watch?.body(message.body);
    if (message.end_of_stream) this.#end(true);
    return CONTINUE_RESPONSE_BODY;
  }

  /** The response is over (or the exchange is): observers hear it once. */
  #end(complete: boolean): void {
    if (complete) this.#complete = true;
    this.#watch?.ended(complete);
    this.#watch = undefined;
  }

  /** A client error (bad or oversized request), answered and reported. */
  #refuse(error: RouterError): ProcessingResponse {
    this.#complete = true;
    this.#events.refused(error);
    return errorReply(error.status, error.message, error.code, this.#encoding);
  }
}
