/**
 * The subset of Envoy's ext_proc v3 messages this project reads and writes, in the shape that
 * `@grpc/proto-loader` produces with {@link PROTO_LOADER_OPTIONS} (snake_case, enums as names,
 * bytes as Buffers, unset fields absent). Field names and numbers follow
 * `envoy/service/ext_proc/v3/external_processor.proto`.
 */

export interface HeaderValue {
  key: string;
  /** Envoy fills either `value` or `raw_value` (the default since the `send_header_raw_value` guard). */
  value?: string;
  raw_value?: Buffer;
}

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
const PROCESSING_PHASES = [
  'request_headers',
  'response_headers',
  'request_body',
  'response_body',
  'request_trailers',
  'response_trailers',
] as const;

export type ProcessingPhase = (typeof PROCESSING_PHASES)[number];

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

export interface HeaderValueOption {
  header: HeaderValue;
  append_action?: HeaderAppendAction;
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
  /** `envoy.type.v3.HttpStatus`; the code is the numeric HTTP status (the enum accepts numbers). */
  status: { code: number | string };
  headers?: HeaderMutation;
  body?: Buffer;
  details?: string;
}

export type HeaderSendMode = 'DEFAULT' | 'SEND' | 'SKIP';
export type BodySendMode =
  | 'NONE'
  | 'STREAMED'
  | 'BUFFERED'
  | 'BUFFERED_PARTIAL'
  | 'FULL_DUPLEX_STREAMED'
  | 'GRPC';

export interface ProcessingMode {
  request_header_mode?: HeaderSendMode;
  response_header_mode?: HeaderSendMode;
  request_body_mode?: BodySendMode;
  response_body_mode?: BodySendMode;
  request_trailer_mode?: HeaderSendMode;
  response_trailer_mode?: HeaderSendMode;
}

export interface ProcessingResponse {
  request_headers?: HeadersResponse;
  response_headers?: HeadersResponse;
  request_body?: BodyResponse;
  response_body?: BodyResponse;
  request_trailers?: TrailersResponse;
  response_trailers?: TrailersResponse;
  immediate_response?: ImmediateResponse;
  /** Set by proto-loader on decoded responses (the test client reads it). */
  response?: ProcessingPhase | 'immediate_response';
  mode_override?: ProcessingMode;
}

/** Reads a header value whichever of `value` / `raw_value` Envoy used. */
export function headerValueText(header: HeaderValue): string {
  if (header.raw_value && header.raw_value.length > 0) return header.raw_value.toString('utf8');
  return header.value ?? '';
}
