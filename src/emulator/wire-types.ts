/**
 * Fields of Envoy's ext_proc messages that the emulator reads but the project's shared message
 * types leave out. Shapes follow `@grpc/proto-loader` with the project's loader options.
 */
import type { HeaderValueOption, ImmediateResponse, ProcessingResponse } from '../extproc/messages.ts';

/** `google.protobuf.Duration` as proto-loader decodes it (`longs: String`). */
export interface WireDuration {
  seconds?: string | number;
  nanos?: number;
}

/** A response as it arrives, with the fields the shared type omits. */
export interface WireProcessingResponse extends ProcessingResponse {
  override_message_timeout?: WireDuration;
  dynamic_metadata?: unknown;
}

/** `HeaderValueOption` with the deprecated `append` wrapper that Envoy's ext_proc filter still reads. */
export interface WireHeaderValueOption extends HeaderValueOption {
  append?: { value?: boolean };
  keep_empty_value?: boolean;
}

/** `ImmediateResponse` with its gRPC status. */
export interface WireImmediateResponse extends ImmediateResponse {
  grpc_status?: { status?: number };
}

/** Milliseconds of a decoded Duration. */
export function durationToMs(duration: WireDuration): number {
  const seconds = Number(duration.seconds ?? 0);
  const nanos = duration.nanos ?? 0;
  return seconds * 1000 + nanos / 1e6;
}
