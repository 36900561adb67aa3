import { openAiErrorBody } from '../errors.ts';
import { Headers } from '../headers.ts';
import type { RuntimePolicy } from '../policy/runtime-policy.ts';
import { type HeaderEncoding, setHeader } from './header-map.ts';
import type { HeaderValueOption, ProcessingMode, ProcessingResponse } from './messages.ts';

/** Answers request headers without change. */
export const CONTINUE_REQUEST_HEADERS: ProcessingResponse = Object.freeze({ request_headers: {} });

/**
 * Answers request headers of a request the router does not route, and asks Envoy (when the filter
 * allows mode overrides) not to send the rest of this exchange at all.
 */
export const PASS_THROUGH: ProcessingResponse = Object.freeze({
  request_headers: {},
  mode_override: {
    request_body_mode: 'NONE',
    request_trailer_mode: 'SKIP',
    response_header_mode: 'SKIP',
    response_body_mode: 'NONE',
    response_trailer_mode: 'SKIP',
  } satisfies ProcessingMode,
});

export const CONTINUE_REQUEST_BODY: ProcessingResponse = Object.freeze({ request_body: {} });
export const CONTINUE_REQUEST_TRAILERS: ProcessingResponse = Object.freeze({ request_trailers: {} });
export const CONTINUE_RESPONSE_BODY: ProcessingResponse = Object.freeze({ response_body: {} });
export const CONTINUE_RESPONSE_TRAILERS: ProcessingResponse = Object.freeze({ response_trailers: {} });

/** A local reply with an OpenAI-style JSON error body; the request never reaches a backend. */
export function errorReply(
  status: number,
  message: string,
  code: string | null,
  encoding: HeaderEncoding,
  extraHeaders: HeaderValueOption[] = [],
): ProcessingResponse {
  return {
    immediate_response: {
      status: { code: status },
      headers: {
        set_headers: [setHeader(Headers.contentType, 'application/json', encoding), ...extraHeaders],
      },
      body: Buffer.from(openAiErrorBody(status, message, code)),
      details: `semantic_router_${code ?? 'error'}`,
    },
  };
}

/**
 * `GET /v1/models` answered by the router: the models a client may name (the virtual ones, which
 * ask the router to choose, then the policy's), in the OpenAI list format.
 */
export function modelsReply(policy: RuntimePolicy, encoding: HeaderEncoding): ProcessingResponse {
  const created = Math.floor(policy.loadedAt / 1000);
  const data = [...policy.virtualModels, ...policy.models.keys()].map((id) => ({
    id,
    object: 'model',
    created,
    owned_by: 'semantic-router',
  }));
  return {
    immediate_response: {
      status: { code: 200 },
      headers: { set_headers: [setHeader(Headers.contentType, 'application/json', encoding)] },
      body: Buffer.from(JSON.stringify({ object: 'list', data })),
      details: 'semantic_router_models',
    },
  };
}
