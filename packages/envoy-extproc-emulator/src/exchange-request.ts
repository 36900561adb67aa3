/**
 * The request path of an exchange: request headers, body and trailers through the processor, then
 * the call of the upstream with the request as the processor left it.
 */

import { knownFrames } from './body-frames.ts';
import { buildRequestHeaders, requestBodyPieces } from './downstream-request.ts';
import { awaitAnswer } from './exchange-answers.ts';
import { applyBufferedBodyAnswer, processTrailers, streamBody } from './exchange-bodies.ts';
import { considerRouteCache, mutateHeaders } from './exchange-mutations.ts';
import type { ExchangeState } from './exchange-state.ts';
import { HeaderList } from './header-list.ts';
import { applyBodyMutation, headersToProto } from './header-mutation.ts';
import type { ForwardedRequest, UpstreamResponse } from './http-types.ts';
import { shouldRemoveContentLength } from './processing-mode.ts';
import { upstreamRequest } from './upstream-request.ts';

/** Runs the request through the processor and leaves the request to forward in `ex.forwarded`. */
export async function requestPath(ex: ExchangeState): Promise<void> {
  const config = ex.config;
  const pieces = requestBodyPieces(ex.request, config.streamedChunkSize);
  // A single piece encoded here from a string is the emulator's own: no copy needed.
  let body: Buffer =
    pieces.length === 1 && typeof ex.request.body === 'string'
      ? (pieces[0] as Buffer)
      : Buffer.concat(pieces);
  const hasBody = body.length > 0;
  const headers = buildRequestHeaders(ex.request, body.length);
  const originalHeaders = headers.toRecord({ withPseudo: true });
  const trailers = ex.request.trailers ? HeaderList.from(ex.request.trailers) : undefined;
  let replaced = false;
  const headersSent = ex.decoding.sendHeaders;

  if (headersSent) {
    ex.send('request_headers', {
      request_headers: {
        headers: headersToProto(headers, config.sendRawValue),
        end_of_stream: !hasBody && !trailers,
      },
    });
    if (shouldRemoveContentLength(ex.decoding)) headers.remove('content-length');
    const answer = await awaitAnswer(ex, 'request_headers');
    const common = answer?.request_headers?.response;
    if (common) {
      const replacing = common.status === 'CONTINUE_AND_REPLACE';
      mutateHeaders(ex, 'request_headers', headers, common.header_mutation, ex.decoding, replacing);
      considerRouteCache(ex, 'request_headers', common);
      if (replacing) {
        if (common.body_mutation) {
          headers.remove('content-length');
          body = applyBodyMutation(common.body_mutation) ?? body;
          replaced = true;
        }
        ex.decoding = { ...ex.decoding, bodyMode: 'NONE', sendTrailers: false };
      }
    }
  } else if (shouldRemoveContentLength(ex.decoding)) {
    headers.remove('content-length');
  }

  const bodyMode = ex.decoding.bodyMode;
  const holdsHeaders = hasBody && !replaced && (bodyMode === 'BUFFERED' || bodyMode === 'BUFFERED_PARTIAL');
  if (!holdsHeaders || ex.processingComplete) ex.routeReleased = true;

  if (hasBody && !replaced && !ex.processingComplete) {
    if (bodyMode === 'BUFFERED' || bodyMode === 'BUFFERED_PARTIAL') {
      ex.send('request_body', { request_body: { body, end_of_stream: !trailers } });
      const answer = await awaitAnswer(ex, 'request_body');
      const common = answer?.request_body?.response;
      if (common) {
        body = applyBufferedBodyAnswer(ex, 'request_body', common, headersSent ? headers : undefined, body);
      }
    } else if (bodyMode === 'STREAMED') {
      const out: Buffer[] = [];
      const frames = knownFrames(pieces, trailers !== undefined)[Symbol.iterator]();
      await streamBody(ex, 'request', frames, (chunk) => out.push(chunk));
      body = Buffer.concat(out);
    }
  }
  ex.routeReleased = true;

  if (trailers && ex.decoding.sendTrailers && !ex.processingComplete) {
    await processTrailers(ex, 'request_trailers', trailers);
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
    routeCacheCleared: ex.record.routeCacheCleared(),
  };
  if (trailers) forwarded.trailers = trailers.toRecord();
  ex.forwarded = forwarded;
}

/** Calls the upstream; a failure before headers becomes Envoy's 503, which then runs through the filter. */
export async function callUpstream(ex: ExchangeState): Promise<UpstreamResponse> {
  const forwarded = ex.forwarded;
  if (!forwarded) throw new Error('request path did not finish');
  ex.requestPathMs = ex.elapsed();
  ex.upstreamCalled = true;
  try {
    const request = upstreamRequest(forwarded, ex.upstreamAbort);
    const response = await ex.guard(Promise.resolve().then(() => ex.upstream(request)));
    return response;
  } catch (error) {
    if (ex.abortError) throw error;
    // Envoy's router answers a failed upstream with a 503, which then runs through the filter.
    ex.upstreamError = error;
    const reason = error instanceof Error ? error.message : String(error);
    return {
      status: 503,
      headers: { 'content-type': 'text/plain' },
      body: `upstream connect error or disconnect/reset before headers. reset reason: ${reason}`,
    };
  } finally {
    const now = ex.elapsed();
    ex.upstreamMs = now - ex.requestPathMs;
    ex.responsePathStart = now;
  }
}
