/**
 * The response path of an exchange: the upstream's response headers, body (passed through,
 * replaced, BUFFERED or STREAMED) and trailers through the processor and on downstream.
 */
import { upstreamFrames } from './body-frames.ts';
import { awaitAnswer } from './exchange-answers.ts';
import { applyBufferedBodyAnswer, drain, processTrailers, streamBody } from './exchange-bodies.ts';
import { considerRouteCache, mutateHeaders } from './exchange-mutations.ts';
import type { ExchangeState } from './exchange-state.ts';
import { HeaderList } from './header-list.ts';
import { applyBodyMutation, headersToProto } from './header-mutation.ts';
import type { UpstreamResponse } from './http-types.ts';
import { shouldRemoveContentLength } from './processing-mode.ts';

/** Runs the upstream's response through the processor and hands the result downstream. */
export async function responsePath(ex: ExchangeState, upstream: UpstreamResponse): Promise<void> {
  const config = ex.config;
  const headers = new HeaderList();
  headers.add(':status', String(upstream.status));
  for (const [name, value] of HeaderList.from(upstream.headers).view()) {
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
  const headersSent = ex.encoding.sendHeaders && !ex.processingComplete;
  let replacement: Buffer | undefined;

  if (headersSent) {
    ex.send('response_headers', {
      response_headers: {
        headers: headersToProto(headers, config.sendRawValue),
        end_of_stream: !hasBody && !trailers,
      },
    });
    if (shouldRemoveContentLength(ex.encoding)) headers.remove('content-length');
    const answer = await awaitAnswer(ex, 'response_headers');
    const common = answer?.response_headers?.response;
    if (common) {
      const replacing = common.status === 'CONTINUE_AND_REPLACE';
      mutateHeaders(ex, 'response_headers', headers, common.header_mutation, ex.encoding, replacing);
      considerRouteCache(ex, 'response_headers', common);
      if (replacing) {
        if (common.body_mutation) {
          headers.remove('content-length');
          replacement = applyBodyMutation(common.body_mutation) ?? Buffer.alloc(0);
        }
        ex.encoding = { ...ex.encoding, bodyMode: 'NONE', sendTrailers: false };
      }
    }
  } else if (!ex.processingComplete && shouldRemoveContentLength(ex.encoding)) {
    headers.remove('content-length');
  }

  const bodyMode = ex.encoding.bodyMode;
  if (replacement !== undefined) {
    await drain(ex, source.frames, () => {});
    ex.startDownstream(headers);
    if (replacement.length > 0) ex.emit(replacement);
  } else if (!hasBody || ex.processingComplete || bodyMode === 'NONE') {
    ex.startDownstream(headers);
    await drain(ex, source.frames, (frame) => {
      if (frame.data.length > 0) ex.emit(frame.data);
    });
  } else if (bodyMode === 'BUFFERED' || bodyMode === 'BUFFERED_PARTIAL') {
    const collected: Buffer[] = [];
    await drain(ex, source.frames, (frame) => collected.push(frame.data));
    // A single piece encoded here from a string is the emulator's own: no copy needed.
    const owned =
      collected.length === 1 && typeof upstream.body === 'string' && upstream.chunks === undefined;
    let body: Buffer = owned ? (collected[0] as Buffer) : Buffer.concat(collected);
    if (!ex.processingComplete) {
      ex.send('response_body', { response_body: { body, end_of_stream: !trailers } });
      const answer = await awaitAnswer(ex, 'response_body');
      const common = answer?.response_body?.response;
      if (common) {
        body = applyBufferedBodyAnswer(ex, 'response_body', common, headersSent ? headers : undefined, body);
      }
    }
    ex.startDownstream(headers);
    if (body.length > 0) ex.emit(body);
  } else {
    ex.startDownstream(headers);
    await streamBody(ex, 'response', source.frames, (chunk) => ex.emit(chunk));
  }

  if (trailers && ex.encoding.sendTrailers && !ex.processingComplete) {
    await processTrailers(ex, 'response_trailers', trailers);
  }
  if (trailers) ex.downstreamTrailers = trailers.toRecord();
  ex.responsePathMs = ex.elapsed() - (ex.responsePathStart ?? 0);
}
