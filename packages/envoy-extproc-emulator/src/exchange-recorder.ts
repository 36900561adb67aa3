/** The running record of one exchange: the messages on the stream, the filter's decisions, the clock. */
import { performance } from 'node:perf_hooks';
import type {
  ExchangeResult,
  MessageKind,
  MessageRecord,
  ModeOverrideEvent,
  RouteCacheEvent,
} from './exchange-result.ts';
import type { RejectedMutation } from './header-mutation.ts';
import {
  PROCESSING_PHASES,
  type ProcessingPhase,
  type ProcessingRequest,
  type ProcessingResponse,
} from './wire-types.ts';

const RESPONSE_KINDS = [...PROCESSING_PHASES, 'immediate_response'] as const;

/** The member of a response's oneof (`unknown` when none is set, as in a bare timer extension). */
export function kindOf(message: ProcessingResponse): MessageKind {
  if (message.response) return message.response;
  return RESPONSE_KINDS.find((kind) => message[kind] !== undefined) ?? 'unknown';
}

export class ExchangeRecorder {
  readonly startedAt = Date.now();
  readonly #t0 = performance.now();
  readonly messages: MessageRecord[] = [];
  readonly routeCacheEvents: RouteCacheEvent[] = [];
  readonly modeOverrides: ModeOverrideEvent[] = [];
  readonly rejectedMutations: ExchangeResult['rejectedMutations'] = [];
  /** When the last message was sent, in {@link elapsed} time. */
  lastSentAt = 0;

  /** Milliseconds since the exchange started. */
  elapsed(): number {
    return performance.now() - this.#t0;
  }

  sent(kind: ProcessingPhase, message: ProcessingRequest): void {
    const record: MessageRecord = { direction: 'sent', kind, atMs: this.elapsed(), message };
    const part =
      message.request_headers ?? message.response_headers ?? message.request_body ?? message.response_body;
    if (part && 'end_of_stream' in part) record.endOfStream = part.end_of_stream === true;
    const body = (message.request_body ?? message.response_body)?.body;
    if (body) record.bodyBytes = body.length;
    this.messages.push(record);
    this.lastSentAt = record.atMs;
  }

  received(message: ProcessingResponse, latencyMs?: number, note?: MessageRecord['note']): MessageRecord {
    const record: MessageRecord = {
      direction: 'received',
      kind: kindOf(message),
      atMs: this.elapsed(),
      message,
    };
    if (latencyMs !== undefined) record.latencyMs = latencyMs;
    if (note) record.note = note;
    this.messages.push(record);
    return record;
  }

  rejected(phase: ProcessingPhase | 'immediate_response', rejected: readonly RejectedMutation[]): void {
    for (const item of rejected) this.rejectedMutations.push({ ...item, phase });
  }

  /** Whether a clear of the route cache happened while Envoy still held the request headers. */
  routeCacheCleared(): boolean {
    return this.routeCacheEvents.some((event) => event.cleared && event.beforeRouting);
  }

  kinds(direction: MessageRecord['direction']): MessageKind[] {
    return this.messages.filter((m) => m.direction === direction).map((m) => m.kind);
  }
}
