/**
 * Waiting for the processor's answers and judging them: the message timer and its extensions,
 * the end of the call, answers of the wrong kind, immediate responses and mode overrides.
 */
import type * as grpc from '@grpc/grpc-js';
import { ExtProcProtocolError } from './errors.ts';
import { kindOf } from './exchange-recorder.ts';
import { EndOfExchange, type ExchangeState } from './exchange-state.ts';
import { effectiveModeOverride, requestDirection, responseDirection } from './processing-mode.ts';
import {
  durationToMs,
  type ProcessingMode,
  type ProcessingPhase,
  type ProcessingResponse,
} from './wire-types.ts';

const OK = 0;
const HEADER_PHASES: ReadonlySet<ProcessingPhase> = new Set(['request_headers', 'response_headers']);

/** Waits for the answer to the message just sent, handling timeouts, timer extensions and the end of the call. */
export async function awaitAnswer(
  ex: ExchangeState,
  phase: ProcessingPhase,
): Promise<ProcessingResponse | undefined> {
  const sentAt = ex.record.lastSentAt;
  ex.stream.armTimer(ex.config.messageTimeoutMs);
  let timeoutOverridden = false;
  for (;;) {
    const event = await ex.stream.next();
    if (event.type === 'timeout') return onMessageTimeout(ex, phase);
    if (event.type === 'closed') return onStreamClosed(ex, phase, event.status);
    const message = event.message;
    if (message.override_message_timeout) {
      timeoutOverridden = considerTimeoutOverride(ex, message, timeoutOverridden);
      continue;
    }
    ex.stream.stopTimer();
    const record = ex.record.received(message);
    record.latencyMs = record.atMs - sentAt;
    return checkAnswer(ex, message, phase);
  }
}

/** Applies mode_override if allowed, ends on immediate_response, and sorts out answers of the wrong kind. */
export function checkAnswer(
  ex: ExchangeState,
  message: ProcessingResponse,
  phase: ProcessingPhase,
): ProcessingResponse | undefined {
  if (message.mode_override) considerModeOverride(ex, message.mode_override, phase);
  const kind = kindOf(message);
  if (kind === 'immediate_response' && message.immediate_response) {
    throw new EndOfExchange({ kind: 'immediate', phase, response: message.immediate_response });
  }
  if (kind === phase) return message;
  const last = ex.record.messages.at(-1);
  if (last?.message === message) last.note = 'spurious';
  if (ex.config.onSpuriousMessage === 'reject') {
    throw new ExtProcProtocolError(
      `ext_proc protocol error: awaited an answer to ${phase} but the processor sent ${kind === 'unknown' ? 'a message with no response set' : kind}`,
      phase,
      kind === 'unknown' ? undefined : kind,
    );
  }
  ex.stopProcessing(phase, 'spurious_message');
  ex.stream.cancel();
  return undefined;
}

function considerModeOverride(ex: ExchangeState, mode: ProcessingMode, phase: ProcessingPhase): void {
  if (!ex.config.allowModeOverride) {
    ex.record.modeOverrides.push({
      phase,
      mode,
      applied: false,
      reason: 'allow_mode_override is false',
    });
    return;
  }
  if (!HEADER_PHASES.has(phase)) {
    ex.record.modeOverrides.push({
      phase,
      mode,
      applied: false,
      reason: 'only honoured in answers to headers',
    });
    return;
  }
  let effective: ReturnType<typeof effectiveModeOverride>;
  try {
    effective = effectiveModeOverride(mode, ex.config.processingMode);
  } catch (error) {
    throw new ExtProcProtocolError((error as Error).message, phase, 'mode_override');
  }
  ex.decoding = requestDirection(effective);
  ex.encoding = responseDirection(effective);
  ex.record.modeOverrides.push({ phase, mode, applied: true });
}

/** A timer extension arrived: re-arms the timer unless one was used already or it is out of bounds; returns whether one has now been used. */
export function considerTimeoutOverride(
  ex: ExchangeState,
  message: ProcessingResponse,
  alreadyOverridden: boolean,
): boolean {
  const requested = message.override_message_timeout ? durationToMs(message.override_message_timeout) : 0;
  const accepted = !alreadyOverridden && requested >= 1 && requested <= ex.config.maxMessageTimeoutMs;
  ex.record.received(
    message,
    undefined,
    accepted ? 'override_message_timeout' : 'override_message_timeout_ignored',
  );
  if (accepted) ex.stream.armTimer(requested);
  return alreadyOverridden || accepted;
}

/** The message timer fired: carry on unprocessed under failure_mode_allow, else a 504. */
export function onMessageTimeout(ex: ExchangeState, phase: ProcessingPhase): undefined {
  if (ex.config.failureModeAllow) {
    ex.stopProcessing(phase, 'message_timeout');
    ex.stream.cancel();
    return undefined;
  }
  ex.stream.cancel();
  ex.fail(phase, 504, 'ext_proc_error_per-message_timeout_exceeded');
}

/** The call ended before the answer: carry on unprocessed after OK or under failure_mode_allow, else fail. */
export function onStreamClosed(
  ex: ExchangeState,
  phase: ProcessingPhase,
  status: grpc.StatusObject,
): undefined {
  if (status.code === OK) {
    ex.stopProcessing(phase, 'stream_closed');
    return undefined;
  }
  if (ex.config.failureModeAllow) {
    ex.stopProcessing(phase, 'grpc_error');
    return undefined;
  }
  ex.fail(phase, ex.config.statusOnError, `ext_proc_error_gRPC_error_${status.code}`);
}
