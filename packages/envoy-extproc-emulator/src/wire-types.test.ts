import { describe, expect, it } from 'vitest';
import { loadEnvoyProto } from './envoy-protos.ts';
import type {
  BodyMutation,
  BodyResponse,
  BodySendMode,
  CommonResponse,
  Duration,
  HeaderAppendAction,
  HeaderMap,
  HeaderMutation,
  HeaderSendMode,
  HeadersResponse,
  HeaderValue,
  HeaderValueOption,
  HttpBody,
  HttpHeaders,
  HttpTrailers,
  ImmediateResponse,
  ProcessingMode,
  ProcessingRequest,
  ProcessingResponse,
  TrailersResponse,
} from './wire-types.ts';

interface DescriptorProto {
  field: Array<{ name: string }>;
  oneofDecl: Array<{ name: string }>;
  enumType: Array<{ name: string; value: Array<{ name: string }> }>;
}

const definition = loadEnvoyProto('envoy/service/ext_proc/v3/external_processor.proto');

function descriptor(typeName: string): DescriptorProto {
  const found = definition[typeName] as { type?: DescriptorProto } | undefined;
  if (!found?.type) throw new Error(`${typeName} is not loaded`);
  return found.type;
}

/** Field names of a message, plus the names of its oneofs (proto-loader's virtual fields). */
function fieldsOf(typeName: string): string[] {
  const type = descriptor(typeName);
  return [...type.field.map((f) => f.name), ...type.oneofDecl.map((o) => o.name)];
}

function enumValuesOf(typeName: string, enumName: string): string[] {
  return (
    descriptor(typeName)
      .enumType.find((e) => e.name === enumName)
      ?.value.map((v) => v.name) ?? []
  );
}

// Each sample sets every field its interface declares (`Required`), and no other, so the table below
// names all of them.
const header: Required<HeaderValue> = { key: 'k', value: 'v', raw_value: Buffer.from('v') };
const headerMap: Required<HeaderMap> = { headers: [] };
const httpHeaders: Required<HttpHeaders> = { headers: {}, end_of_stream: true };
const httpBody: Required<HttpBody> = { body: Buffer.alloc(0), end_of_stream: true };
const httpTrailers: Required<HttpTrailers> = { trailers: {} };
const processingRequest: Required<ProcessingRequest> = {
  request_headers: {},
  response_headers: {},
  request_body: {},
  response_body: {},
  request_trailers: {},
  response_trailers: {},
  request: 'request_headers',
  observability_mode: false,
};
const headerValueOption: Required<HeaderValueOption> = {
  header,
  append_action: 'ADD_IF_ABSENT',
  append: { value: true },
  keep_empty_value: false,
};
const headerMutation: Required<HeaderMutation> = { set_headers: [], remove_headers: [] };
const bodyMutation: Required<BodyMutation> = { body: Buffer.alloc(0), clear_body: true };
const commonResponse: Required<CommonResponse> = {
  status: 'CONTINUE',
  header_mutation: {},
  body_mutation: {},
  clear_route_cache: true,
};
const headersResponse: Required<HeadersResponse> = { response: {} };
const bodyResponse: Required<BodyResponse> = { response: {} };
const trailersResponse: Required<TrailersResponse> = { header_mutation: {} };
const immediateResponse: Required<ImmediateResponse> = {
  status: { code: 200 },
  headers: {},
  body: Buffer.alloc(0),
  details: '',
  grpc_status: { status: 0 },
};
const processingMode: Required<ProcessingMode> = {
  request_header_mode: 'SEND',
  response_header_mode: 'SEND',
  request_body_mode: 'BUFFERED',
  response_body_mode: 'BUFFERED',
  request_trailer_mode: 'SKIP',
  response_trailer_mode: 'SKIP',
};
const duration: Required<Duration> = { seconds: '1', nanos: 0 };
const processingResponse: Required<ProcessingResponse> = {
  request_headers: {},
  response_headers: {},
  request_body: {},
  response_body: {},
  request_trailers: {},
  response_trailers: {},
  immediate_response: immediateResponse,
  response: 'immediate_response',
  mode_override: {},
  override_message_timeout: {},
  dynamic_metadata: {},
};

const EXT_PROC = 'envoy.service.ext_proc.v3';
const PROCESSING_MODE = 'envoy.extensions.filters.http.ext_proc.v3.ProcessingMode';

const messages = [
  { name: 'HeaderValue', type: 'envoy.config.core.v3.HeaderValue', sample: header },
  { name: 'HeaderMap', type: 'envoy.config.core.v3.HeaderMap', sample: headerMap },
  { name: 'HttpHeaders', type: `${EXT_PROC}.HttpHeaders`, sample: httpHeaders },
  { name: 'HttpBody', type: `${EXT_PROC}.HttpBody`, sample: httpBody },
  { name: 'HttpTrailers', type: `${EXT_PROC}.HttpTrailers`, sample: httpTrailers },
  { name: 'ProcessingRequest', type: `${EXT_PROC}.ProcessingRequest`, sample: processingRequest },
  { name: 'HeaderValueOption', type: 'envoy.config.core.v3.HeaderValueOption', sample: headerValueOption },
  { name: 'HeaderMutation', type: `${EXT_PROC}.HeaderMutation`, sample: headerMutation },
  { name: 'BodyMutation', type: `${EXT_PROC}.BodyMutation`, sample: bodyMutation },
  { name: 'CommonResponse', type: `${EXT_PROC}.CommonResponse`, sample: commonResponse },
  { name: 'HeadersResponse', type: `${EXT_PROC}.HeadersResponse`, sample: headersResponse },
  { name: 'BodyResponse', type: `${EXT_PROC}.BodyResponse`, sample: bodyResponse },
  { name: 'TrailersResponse', type: `${EXT_PROC}.TrailersResponse`, sample: trailersResponse },
  { name: 'ImmediateResponse', type: `${EXT_PROC}.ImmediateResponse`, sample: immediateResponse },
  { name: 'ProcessingMode', type: PROCESSING_MODE, sample: processingMode },
  { name: 'Duration', type: 'google.protobuf.Duration', sample: duration },
  { name: 'ProcessingResponse', type: `${EXT_PROC}.ProcessingResponse`, sample: processingResponse },
];

// A Record over a union type must name each member once, so these list the unions whole.
const headerSendModes: Record<HeaderSendMode, true> = { DEFAULT: true, SEND: true, SKIP: true };
const bodySendModes: Record<BodySendMode, true> = {
  NONE: true,
  STREAMED: true,
  BUFFERED: true,
  BUFFERED_PARTIAL: true,
};
const appendActions: Record<HeaderAppendAction, true> = {
  APPEND_IF_EXISTS_OR_ADD: true,
  ADD_IF_ABSENT: true,
  OVERWRITE_IF_EXISTS_OR_ADD: true,
  OVERWRITE_IF_EXISTS: true,
};
const responseStatuses: Record<NonNullable<CommonResponse['status']>, true> = {
  CONTINUE: true,
  CONTINUE_AND_REPLACE: true,
};

const enums = [
  { name: 'HeaderSendMode', type: PROCESSING_MODE, enumName: 'HeaderSendMode', members: headerSendModes },
  { name: 'BodySendMode', type: PROCESSING_MODE, enumName: 'BodySendMode', members: bodySendModes },
  {
    name: 'HeaderAppendAction',
    type: 'envoy.config.core.v3.HeaderValueOption',
    enumName: 'HeaderAppendAction',
    members: appendActions,
  },
  {
    name: 'CommonResponse status',
    type: `${EXT_PROC}.CommonResponse`,
    enumName: 'ResponseStatus',
    members: responseStatuses,
  },
];

describe('wire types', () => {
  it.each(messages)('$name declares only fields of $type', ({ type, sample }) => {
    expect(fieldsOf(type)).toEqual(expect.arrayContaining(Object.keys(sample)));
  });

  it.each(enums)('$name names values of the proto enum $enumName', ({ type, enumName, members }) => {
    expect(enumValuesOf(type, enumName)).toEqual(expect.arrayContaining(Object.keys(members)));
  });
});
