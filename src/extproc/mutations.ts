import { Headers } from '../headers.ts';
import { rewriteBody } from '../mutation/rewrite-body.ts';
import type { RouteOutcome } from '../pipeline.ts';
import type { RouterRequest } from '../request/router-request.ts';
import { type HeaderEncoding, safeHeaderValue, setHeader } from './header-map.ts';
import type { HeaderValueOption, ProcessingResponse } from './messages.ts';
import { errorReply } from './responses.ts';

/**
 * The answer to the request body for a routing outcome:
 * - `route`: the body's `model` rewritten (and its messages and reasoning fields, if a plugin asked),
 *   content-length fixed, `x-router-cluster` / `x-selected-model` / `x-router-decision` /
 *   `x-router-reason` set, and the route cache cleared so Envoy picks the cluster from
 *   `x-router-cluster`;
 * - `respond`: the complete response a stage answered with (a cache hit), as a local reply, with
 *   `x-router-decision`, `x-router-reason` and `x-request-id`;
 * - `reject`: a local reply with an OpenAI-style error, `x-router-decision` and `x-router-reason`
 *   saying which decision refused it and which signals fired.
 */
export function outcomeMutation(
  outcome: RouteOutcome,
  request: RouterRequest | undefined,
  encoding: HeaderEncoding,
): ProcessingResponse {
  const header = (key: string, value: string) => setHeader(key, value, encoding);
  switch (outcome.kind) {
    case 'route': {
      if (!request) throw new Error('a route needs the parsed request');
      const upstreamName = outcome.model.upstreamModel ?? outcome.model.name;
      const { chat } = request;
      const body = rewriteBody(
        chat.body,
        upstreamName,
        outcome.plan,
        outcome.model.reasoningFamily,
        chat.rolesRespelled ? chat.messages : undefined,
      );
      const setHeaders: HeaderValueOption[] = [
        header(Headers.cluster, outcome.model.endpoint.cluster),
        header(Headers.selectedModel, outcome.model.name),
        header(Headers.decision, outcome.decision),
        header(Headers.reason, safeHeaderValue(outcome.reason.join(', '))),
      ];
      for (const [name, value] of outcome.plan.requestHeaders) setHeaders.push(header(name, value));
      setHeaders.push(header(Headers.contentLength, String(body.length)));
      return {
        request_body: {
          response: {
            status: 'CONTINUE',
            header_mutation: { set_headers: setHeaders },
            body_mutation: { body },
            clear_route_cache: true,
          },
        },
      };
    }
    case 'respond': {
      const setHeaders: HeaderValueOption[] = Object.entries(outcome.response.headers).map(([name, value]) =>
        header(name, value),
      );
      setHeaders.push(
        header(Headers.decision, outcome.decision),
        header(Headers.responseModel, outcome.model.name),
        header(Headers.reason, safeHeaderValue(outcome.reason.join(', '))),
        header(Headers.contentLength, String(outcome.response.body.length)),
      );
      if (request) setHeaders.push(header(Headers.requestId, request.id));
      return {
        immediate_response: {
          status: { code: outcome.response.status },
          headers: { set_headers: setHeaders },
          body: outcome.response.body,
          details: 'semantic_router_answered',
        },
      };
    }
    case 'reject':
      return errorReply(outcome.status, outcome.message, outcome.code, encoding, [
        header(Headers.decision, outcome.decision),
        header(Headers.reason, safeHeaderValue(outcome.reason.join(', '))),
      ]);
  }
}
