import { z } from 'zod';
import type { ChatRole } from '../request/chat-request.ts';
import type { RouterRequest } from '../request/router-request.ts';
import { resolveOverlaps } from '../signals/pii/detectors.ts';
import { type NameTagger, shippedNameTagger } from '../signals/pii/name-tagger.ts';
import {
  DEFAULT_PII_MIN_CONFIDENCE,
  isNameType,
  PII_TYPES,
  type PiiSpan,
  type PiiType,
  STRUCTURED_PII_TYPES,
} from '../signals/pii/pii-types.ts';
import { type MaybeLater, messagesPii } from '../signals/pii/request-pii.ts';
import { definePlugin, type RoutePlan } from './plugin.ts';

const Params = z
  .object({
    action: z
      .enum(['block', 'redact', 'private'])
      .describe(
        '`block`: answer with an error instead of forwarding; `redact`: replace each value in the forwarded user, system, developer and tool messages with `[TYPE]`; `private`: only models marked `private: true` may serve the request (403 `no_private_model` when the decision has none).',
      ),
    entities: z
      .array(z.enum(PII_TYPES))
      .min(1)
      .default([...STRUCTURED_PII_TYPES])
      .describe(
        'The entity types acted on; the structured identifiers by default. List PERSON, LOCATION, STREET_ADDRESS or ORGANIZATION to act on what the trained tagger finds (see the `pii` signal).',
      ),
    minConfidence: z
      .number()
      .min(0)
      .max(1)
      .default(DEFAULT_PII_MIN_CONFIDENCE)
      .describe('Lowest detector score acted on (see the `pii` signal).'),
    status: z
      .number()
      .int()
      .min(400)
      .max(599)
      .optional()
      .describe('With `block`: the HTTP status of the reply (default 403).'),
    message: z
      .string()
      .min(1)
      .optional()
      .describe('With `block`: the error message (default: names the entity types found, never the values).'),
  })
  .strict();

/** Roles whose message content `redact` rewrites: what the client wrote or supplied, not model output. */
const REDACTED_ROLES: ReadonlySet<ChatRole> = new Set(['user', 'system', 'developer', 'tool']);

/** The spans to act on in each message, by message index; only messages that have some. */
function findPii(
  request: RouterRequest,
  types: ReadonlySet<PiiType>,
  minConfidence: number,
  tagger: NameTagger | undefined,
  roles?: ReadonlySet<ChatRole>,
): MaybeLater<Map<number, PiiSpan[]>> {
  const indices: number[] = [];
  request.chat.messages.forEach((message, index) => {
    if (!roles || roles.has(message.role)) indices.push(index);
  });
  const collect = (perMessage: (readonly PiiSpan[])[]) => {
    const found = new Map<number, PiiSpan[]>();
    indices.forEach((index, i) => {
      const spans = (perMessage[i] ?? []).filter((s) => types.has(s.type) && s.score >= minConfidence);
      if (spans.length > 0) found.set(index, spans);
    });
    return found;
  };
  const perMessage = messagesPii(request, indices, tagger);
  return perMessage instanceof Promise ? perMessage.then(collect) : collect(perMessage);
}

function typesIn(found: ReadonlyMap<number, PiiSpan[]>): string[] {
  const types = new Set<string>();
  for (const spans of found.values()) for (const span of spans) types.add(span.type);
  return [...types];
}

/**
 * Acts on personal identifiers found in the request (see the `pii` signal): blocks it, redacts them
 * from the forwarded body, or restricts the request to private models. `block` and `private` look at
 * every message; `redact` rewrites the messages of the client's own roles. Detection is shared with
 * the `pii` signal: each message is scanned once per request.
 */
export const piiPlugin = definePlugin({
  type: 'pii',
  protects: true,
  description:
    'Acts on personal identifiers in the request (the `pii` signal entity types, detected once per message and shared with the signal): blocks the request (403 `pii_detected`), redacts each value from the forwarded messages as `[TYPE]`, or sends it only to models marked `private: true`. `block` and `private` look at every message, assistant turns included.',
  params: Params,
  validate(params) {
    if (params.action === 'block') return [];
    return (['status', 'message'] as const)
      .filter((field) => params[field] !== undefined)
      .map((field) => `${field} applies only to action: block`);
  },
  create(params) {
    const types = new Set<PiiType>(params.entities);
    const tagger = params.entities.some(isNameType) ? shippedNameTagger() : undefined;
    const { action, minConfidence } = params;
    const act = (plan: RoutePlan, found: Map<number, PiiSpan[]>) => {
      if (found.size === 0) return;
      if (action === 'redact') {
        plan.redactions ??= new Map();
        for (const [index, spans] of found) {
          const earlier = plan.redactions.get(index) ?? [];
          plan.redactions.set(index, resolveOverlaps([...earlier, ...spans]));
        }
        return;
      }
      if (action === 'private') {
        plan.privateOnly = true;
        return;
      }
      plan.reject = {
        status: params.status ?? 403,
        code: 'pii_detected',
        message:
          params.message ??
          `The request contains personal data (${typesIn(found).join(', ')}) and was not forwarded.`,
      };
    };
    const roles = action === 'redact' ? REDACTED_ROLES : undefined;
    return {
      apply(plan, request) {
        const found = findPii(request, types, minConfidence, tagger, roles);
        if (found instanceof Promise) return found.then((spans) => act(plan, spans));
        act(plan, found);
      },
    };
  },
});
