/** Assembling the {@link ExchangeResult} from the state an exchange ended in. */
import type { ExchangeResult } from './exchange-result.ts';
import type { ExchangeState } from './exchange-state.ts';
import type { DownstreamResponse } from './http-types.ts';

/** Everything the exchange observed; `closeMs` is the time the stream took to close, `totalMs` the time it all took. */
export function assembleResult(ex: ExchangeState, closeMs: number, totalMs: number): ExchangeResult {
  const response: DownstreamResponse = {
    status: ex.downstreamStatus,
    headers: ex.downstreamHeaders.toRecord(),
    headerList: ex.downstreamHeaders.entries(),
    body: Buffer.concat(ex.downstreamChunks),
    chunks: ex.downstreamChunks,
  };
  if (ex.downstreamTrailers) response.trailers = ex.downstreamTrailers;
  const status = ex.stream.status;
  const result: ExchangeResult = {
    outcome: ex.outcome,
    response,
    upstreamCalled: ex.upstreamCalled,
    messages: ex.record.messages,
    sent: ex.record.kinds('sent'),
    received: ex.record.kinds('received'),
    routeCache: { cleared: ex.record.routeCacheCleared(), events: ex.record.routeCacheEvents },
    modeOverrides: ex.record.modeOverrides,
    finalModes: { request: ex.decoding, response: ex.encoding },
    rejectedMutations: ex.record.rejectedMutations,
    timings: {
      startedAt: ex.record.startedAt,
      requestPathMs: ex.requestPathMs ?? totalMs,
      closeMs,
      totalMs,
    },
  };
  if (ex.forwarded && ex.upstreamCalled) result.forwarded = ex.forwarded;
  if (ex.upstreamError !== undefined) result.upstreamError = ex.upstreamError;
  if (ex.immediate) result.immediateResponse = ex.immediate;
  if (ex.localReply) result.localReply = ex.localReply;
  if (ex.processingStopped) result.processingStopped = ex.processingStopped;
  if (status) result.grpcStatus = { code: status.code, details: status.details };
  if (ex.upstreamMs !== undefined) result.timings.upstreamMs = ex.upstreamMs;
  if (ex.responsePathMs !== undefined) result.timings.responsePathMs = ex.responsePathMs;
  return result;
}
