/**
 * One HTTP exchange driven through one ext_proc stream, step by step as Envoy's ext_proc HTTP
 * filter drives it: request headers, body and trailers, the upstream, then response headers, body
 * and trailers, applying each answer before moving on.
 *
 * The steps live in their own modules: `exchange-request.ts` (request path and upstream call),
 * `exchange-response.ts` (response path), `exchange-bodies.ts` (BUFFERED and STREAMED bodies,
 * trailers), `exchange-answers.ts` (waiting for and checking answers, mode and timeout overrides),
 * `exchange-mutations.ts` (header mutations and the route cache), `exchange-ending.ts` (local
 * replies, closing, abort) and `exchange-assembly.ts` (the result), all over the shared
 * `ExchangeState`.
 */
import type { ResolvedFilterConfig } from './config.ts';
import { ExchangeAbortedError } from './errors.ts';
import { assembleResult } from './exchange-assembly.ts';
import { abortExchange, closeStream, endExchange } from './exchange-ending.ts';
import { callUpstream, requestPath } from './exchange-request.ts';
import { responsePath } from './exchange-response.ts';
import type { ExchangeResult } from './exchange-result.ts';
import { EndOfExchange, ExchangeState } from './exchange-state.ts';
import type { HttpRequest, Upstream } from './http-types.ts';
import type { ProcessCall } from './processor-stream.ts';
import { ProcessorStream } from './processor-stream.ts';

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

/** Runs one exchange to its end. Rejects on protocol errors, on abort, and on callback errors. */
export async function runExchange(
  context: ExchangeContext,
  request: HttpRequest,
  upstream: Upstream,
): Promise<ExchangeResult> {
  const ex = new ExchangeState(context, request, upstream);
  const signal = context.signal;
  if (signal?.aborted) throw new ExchangeAbortedError(undefined, { cause: signal.reason });
  ex.stream = new ProcessorStream(context.openCall());
  const onAbort = signal ? abortExchange.bind(undefined, ex) : undefined;
  if (signal && onAbort) signal.addEventListener('abort', onAbort, { once: true });
  try {
    try {
      await requestPath(ex);
      const upstreamResponse = await callUpstream(ex);
      await responsePath(ex, upstreamResponse);
    } catch (error) {
      if (ex.abortError) throw ex.abortError;
      if (!(error instanceof EndOfExchange)) throw error;
      endExchange(ex, error.ending);
    }
    ex.requestPathMs ??= ex.elapsed();
    if (ex.responsePathStart !== undefined) ex.responsePathMs ??= ex.elapsed() - ex.responsePathStart;
    const closeStart = ex.elapsed();
    await closeStream(ex);
    if (ex.abortError) throw ex.abortError;
    const end = ex.elapsed();
    return assembleResult(ex, end - closeStart, end);
  } catch (error) {
    ex.stream.cancel();
    ex.upstreamAbort.abort(error);
    throw ex.abortError ?? error;
  } finally {
    if (signal && onAbort) signal.removeEventListener('abort', onAbort);
  }
}
