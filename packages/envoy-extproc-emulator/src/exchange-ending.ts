/**
 * How an exchange ends: a local reply (or a reset once the response has started downstream), the
 * close of the ext_proc stream, and an abort by the caller.
 */
import { ExchangeAbortedError } from './errors.ts';
import type { ExchangeResult } from './exchange-result.ts';
import type { Ending, ExchangeState } from './exchange-state.ts';
import { immediateReply, type LocalReply, localReply } from './local-reply.ts';

/** Ends the exchange with a local reply, or a reset once the response has started downstream. */
export function endExchange(ex: ExchangeState, ending: Ending): void {
  if (ending.kind === 'reset') {
    ex.outcome = 'reset';
    return;
  }
  const options = {
    rawValue: ex.config.sendRawValue,
    rules: ex.config.mutationRules,
    appendSemantics: ex.config.headerAppendSemantics,
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
    ex.immediate = immediate;
    ex.record.rejected('immediate_response', reply.rejected);
  } else {
    reply = localReply(ending.status, Buffer.alloc(0), undefined, options);
    ex.localReply = { phase: ending.phase, status: reply.status, details: ending.details };
  }
  ex.processingComplete = true;
  if (ex.downstreamStarted) {
    ex.outcome = 'reset';
    return;
  }
  ex.outcome = ending.kind === 'immediate' ? 'immediate_response' : 'local_reply';
  reply.headers.add(':status', String(reply.status));
  ex.startDownstream(reply.headers);
  if (reply.body.length > 0) ex.emit(reply.body);
}

/** Ends the stream: half-close, then wait for the server (graceful) or cancel at once (reset). */
export async function closeStream(ex: ExchangeState): Promise<void> {
  const stream = ex.stream;
  if (!stream.closed) {
    stream.halfClose();
    if (ex.config.closeMode === 'graceful') {
      const status = await ex.guard(stream.waitForStatus(ex.config.closeTimeoutMs));
      if (!status) stream.cancel();
    } else {
      stream.cancel();
    }
  }
  for (const message of stream.takeQueued())
    ex.record.received(message, undefined, 'unexpected_after_processing');
}

/** The caller aborted: cancel the call and the upstream, and make every pending step reject. */
export function abortExchange(ex: ExchangeState): void {
  if (ex.abortError) return;
  const reason = ex.context.signal?.reason;
  ex.abortError = new ExchangeAbortedError(undefined, { cause: reason });
  ex.stream.interrupt(ex.abortError);
  ex.stream.cancel();
  ex.upstreamAbort.abort(reason);
  ex.rejectAborted?.(ex.abortError);
}
