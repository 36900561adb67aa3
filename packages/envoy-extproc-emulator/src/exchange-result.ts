/** What one emulated exchange reports back. */

import type { RejectedMutation } from './header-mutation.ts';
import type { DownstreamResponse, ForwardedRequest } from './http-types.ts';
import type { DirectionMode } from './processing-mode.ts';
import type { ProcessingMode, ProcessingPhase, ProcessingRequest, ProcessingResponse } from './wire-types.ts';

/** Kind of an ext_proc message: the member of its oneof. */
export type MessageKind = ProcessingPhase | 'immediate_response' | 'unknown';

/** One message on the stream, in the order it was sent or received. */
export interface MessageRecord {
  direction: 'sent' | 'received';
  kind: MessageKind;
  /** Milliseconds since the exchange started. */
  atMs: number;
  message: ProcessingRequest | ProcessingResponse;
  /** `end_of_stream` of a sent headers or body message. */
  endOfStream?: boolean;
  /** Body bytes of a sent body message. */
  bodyBytes?: number;
  /** For an answer: milliseconds since the message it answers was sent. */
  latencyMs?: number;
  /**
   * Why a received message did not count as an answer: it only extended the timer, was of the
   * wrong kind, or came after the emulator had stopped listening.
   */
  note?:
    | 'override_message_timeout'
    | 'override_message_timeout_ignored'
    | 'spurious'
    | 'unexpected_after_processing';
}

/**
 * How the exchange ended for the downstream client.
 * - `completed`: the upstream's response, as processed.
 * - `immediate_response`: the processor's ImmediateResponse.
 * - `local_reply`: an error reply of the filter (message timeout 504, gRPC error or rejected mutation 500).
 * - `reset`: the response had already started downstream when it had to end (immediate response or
 *   error during a streamed body, or an upstream failing mid-body), so Envoy resets the stream.
 */
export type ExchangeOutcome = 'completed' | 'immediate_response' | 'local_reply' | 'reset';

/** A clear_route_cache that was asked for, or forced by `route_cache_action: CLEAR`. */
export interface RouteCacheEvent {
  phase: ProcessingPhase;
  /** Whether the processor set clear_route_cache. */
  requested: boolean;
  /** Whether Envoy clears the cache (needs a header mutation in the same answer, the request direction, and no RETAIN). */
  cleared: boolean;
  /** Whether the clear came before Envoy released the request headers to the router, so the route is picked again. */
  beforeRouting: boolean;
  reason?: string;
}

/** A mode_override seen in an answer. */
export interface ModeOverrideEvent {
  phase: ProcessingPhase;
  mode: ProcessingMode;
  applied: boolean;
  reason?: string;
}

export interface ExchangeTimings {
  /** Epoch milliseconds at the start. */
  startedAt: number;
  /** From the start to the call of the upstream (or to the end when it was never called). */
  requestPathMs: number;
  /** Time the upstream took to answer with headers. */
  upstreamMs?: number;
  /** From the upstream's answer to the end of the response path. */
  responsePathMs?: number;
  /** Time spent closing the stream. */
  closeMs: number;
  totalMs: number;
}

export interface ExchangeResult {
  outcome: ExchangeOutcome;
  /** The response the downstream client got (for `reset`, what it got before the reset). */
  response: DownstreamResponse;
  /** The request the upstream got; absent when the upstream was never called. */
  forwarded?: Omit<ForwardedRequest, 'signal'>;
  upstreamCalled: boolean;
  /** An error thrown by the upstream (it becomes a 503 before headers, a reset after). */
  upstreamError?: unknown;
  immediateResponse?: { phase: ProcessingPhase; status: number; details?: string; grpcStatus?: number };
  localReply?: { phase: ProcessingPhase; status: number; details: string };
  /** Every message on the stream, in order. */
  messages: MessageRecord[];
  /** Kinds of the sent messages, in order. */
  sent: MessageKind[];
  /** Kinds of the received messages, in order (all of them, including ignored ones). */
  received: MessageKind[];
  routeCache: { cleared: boolean; events: RouteCacheEvent[] };
  modeOverrides: ModeOverrideEvent[];
  /** The modes in force at the end (after overrides and CONTINUE_AND_REPLACE). */
  finalModes: { request: DirectionMode; response: DirectionMode };
  /** Header changes Envoy would have skipped, with the phase of the answer that asked for them. */
  rejectedMutations: Array<RejectedMutation & { phase: ProcessingPhase | 'immediate_response' }>;
  /** Set when the filter stopped consulting the processor before the end and let the rest through. */
  processingStopped?: {
    phase: ProcessingPhase;
    reason: 'stream_closed' | 'message_timeout' | 'grpc_error' | 'spurious_message';
  };
  /** How the gRPC call ended, as the client saw it. */
  grpcStatus?: { code: number; details: string };
  timings: ExchangeTimings;
}
