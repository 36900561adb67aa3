/**
 * The ext_proc v3 messages the emulator sends and receives, in the shape `@grpc/proto-loader`
 * produces with {@link PROTO_LOADER_OPTIONS} (snake_case, enums as names, bytes as Buffers, unset
 * fields absent, a virtual field naming each set oneof). Field names follow
 * `envoy/service/ext_proc/v3/external_processor.proto`; only the fields Envoy's filter reads or
 * writes are declared.
 *
 * @see ./envoy-protos.ts
 */

/** `envoy.config.core.v3.HeaderValue`. Envoy fills either `value` or `raw_value`, never both. */
export interface HeaderValue {
  key: string;
  value?: string;
  raw_value?: Buffer;
}

/** `envoy.config.core.v3.HeaderMap`. */
export interface HeaderMap {
  headers?: HeaderValue[];
}

export interface HttpHeaders {
  headers?: HeaderMap;
  end_of_stream?: boolean;
}

export interface HttpBody {
  body?: Buffer;
  end_of_stream?: boolean;
}

export interface HttpTrailers {
  trailers?: HeaderMap;
}

/** The members of the `request` oneof of ProcessingRequest (and of the phase answers of ProcessingResponse). */
export const PROCESSING_PHASES = [
  'request_headers',
  'response_headers',
  'request_body',
  'response_body',
  'request_trailers',
  'response_trailers',
] as const;

export type ProcessingPhase = (typeof PROCESSING_PHASES)[number];

/** What the filter sends: exactly one phase member is set. */
export interface ProcessingRequest {
  request_headers?: HttpHeaders;
  response_headers?: HttpHeaders;
  request_body?: HttpBody;
  response_body?: HttpBody;
  request_trailers?: HttpTrailers;
  response_trailers?: HttpTrailers;
  /** Name of the set member of the `request` oneof (added by proto-loader's `oneofs` option). */
  request?: ProcessingPhase;
  observability_mode?: boolean;
}

export type HeaderAppendAction =
  | 'APPEND_IF_EXISTS_OR_ADD'
  | 'ADD_IF_ABSENT'
  | 'OVERWRITE_IF_EXISTS_OR_ADD'
  | 'OVERWRITE_IF_EXISTS';

/** `envoy.config.core.v3.HeaderValueOption`, with the deprecated `append` wrapper Envoy's filter still reads. */
export interface HeaderValueOption {
  header: HeaderValue;
  append_action?: HeaderAppendAction;
  append?: { value?: boolean };
  keep_empty_value?: boolean;
}

export interface HeaderMutation {
  set_headers?: HeaderValueOption[];
  remove_headers?: string[];
}

export interface BodyMutation {
  body?: Buffer;
  clear_body?: boolean;
}

export interface CommonResponse {
  status?: 'CONTINUE' | 'CONTINUE_AND_REPLACE';
  header_mutation?: HeaderMutation;
  body_mutation?: BodyMutation;
  clear_route_cache?: boolean;
}

export interface HeadersResponse {
  response?: CommonResponse;
}

export interface BodyResponse {
  response?: CommonResponse;
}

export interface TrailersResponse {
  header_mutation?: HeaderMutation;
}

export interface ImmediateResponse {
  /** `envoy.type.v3.HttpStatus`: a `StatusCode` name as decoded, or the numeric status (the enum accepts numbers). */
  status: { code: number | string };
  headers?: HeaderMutation;
  body?: Buffer;
  details?: string;
  grpc_status?: { status?: number };
}

export type HeaderSendMode = 'DEFAULT' | 'SEND' | 'SKIP';
/**
 * The body modes of the bundled protos. Newer Envoy releases add FULL_DUPLEX_STREAMED and GRPC; a
 * mode the bundled protos lack arrives as a number.
 */
export type BodySendMode = 'NONE' | 'STREAMED' | 'BUFFERED' | 'BUFFERED_PARTIAL';

/** `envoy.extensions.filters.http.ext_proc.v3.ProcessingMode`. */
export interface ProcessingMode {
  request_header_mode?: HeaderSendMode;
  response_header_mode?: HeaderSendMode;
  request_body_mode?: BodySendMode;
  response_body_mode?: BodySendMode;
  request_trailer_mode?: HeaderSendMode;
  response_trailer_mode?: HeaderSendMode;
}

/** `google.protobuf.Duration` as proto-loader decodes it (`longs: String`). */
export interface Duration {
  seconds?: string | number;
  nanos?: number;
}

/** What the processor answers: one phase answer or an immediate response, or only a timeout extension. */
export interface ProcessingResponse {
  request_headers?: HeadersResponse;
  response_headers?: HeadersResponse;
  request_body?: BodyResponse;
  response_body?: BodyResponse;
  request_trailers?: TrailersResponse;
  response_trailers?: TrailersResponse;
  immediate_response?: ImmediateResponse;
  /** Name of the set member of the `response` oneof, on decoded messages. */
  response?: ProcessingPhase | 'immediate_response';
  mode_override?: ProcessingMode;
  override_message_timeout?: Duration;
  dynamic_metadata?: unknown;
}

/** Milliseconds of a decoded Duration. */
export function durationToMs(duration: Duration): number {
  const seconds = Number(duration.seconds ?? 0);
  const nanos = duration.nanos ?? 0;
  return seconds * 1000 + nanos / 1e6;
}
