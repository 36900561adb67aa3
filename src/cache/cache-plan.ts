import { createHash } from 'node:crypto';
import { canonicalJson } from '../request/canonical-json.ts';
import type { RouterRequest } from '../request/router-request.ts';
import { DEFAULT_PII_MIN_CONFIDENCE } from '../signals/pii/pii-types.ts';
import { messagesPii } from '../signals/pii/request-pii.ts';
import type { SignalResult } from '../signals/signal.ts';
import { WHOLE_TEXT_CHARS } from '../signals/text/windows.ts';
import type { CacheParams, CategorySettings } from './cache-params.ts';
import {
  type ClientCacheControl,
  clientCacheControl,
  exactKey,
  partitionId,
  requestFingerprint,
  requestIdentity,
} from './request-key.ts';

/** Why a request is neither looked up nor stored; undefined when it may be. */
export type Uncacheable =
  | 'disabled'
  | 'no-identity'
  | 'no-question'
  | 'n-above-1'
  | 'temperature'
  | 'pii'
  | 'tool-results'
  | 'too-long';

/** What the cache does with one request, decided once and shared by the lookup and the capture. */
export interface CachePlan {
  readonly category: CategorySettings;
  readonly control: ClientCacheControl;
  readonly uncacheable?: Uncacheable;
  readonly identity: string;
  readonly partition: string;
  readonly exactKey: string;
  readonly question: string;
}

/** The category of a request: the first of the policy's categories naming its decision or a domain label it got. */
export function categoryOf(
  params: CacheParams,
  decision: string,
  signals: ReadonlyMap<string, SignalResult>,
): CategorySettings {
  const domains = new Set<string>();
  for (const [key, result] of signals) {
    const label = result.evidence?.[0];
    if ((key === 'domain' || key.startsWith('domain:')) && result.error === undefined && label)
      domains.add(label);
  }
  const found = params.categories.find(
    (c) =>
      (c.decision !== undefined && c.decision === decision) ||
      (c.domain !== undefined && domains.has(c.domain)),
  );
  return {
    name: found ? (found.decision ?? `domain:${found.domain}`) : decision,
    enabled: found?.enabled ?? params.enabled,
    threshold: found?.threshold ?? params.threshold,
    ttlSeconds: found?.ttlSeconds ?? params.ttlSeconds,
    maxEntries: found?.maxEntries ?? params.maxEntries,
  };
}

function uncacheable(
  params: CacheParams,
  request: RouterRequest,
  signals: ReadonlyMap<string, SignalResult>,
  personalData: boolean,
): Uncacheable | undefined {
  const { body } = request.chat;
  if (typeof body.n === 'number' && body.n > 1) return 'n-above-1';
  if (typeof body.temperature === 'number' && body.temperature > params.store.maxTemperature)
    return 'temperature';
  if (
    !params.store.toolResults &&
    request.chat.messages.some((m) => m.role === 'tool' || m.role === 'function')
  )
    return 'tool-results';
  if (!params.store.pii) {
    // A plugin redacted it or kept it to private models (names, say, in a policy without a pii signal).
    if (personalData) return 'pii';
    for (const [key, result] of signals)
      if ((key === 'pii' || key.startsWith('pii:')) && result.matched) return 'pii';
    return structuredPiiIn(request);
  }
  return undefined;
}

/**
 * Whether the request holds a personal identifier (e-mail, phone, card, IBAN, SSN, IP address) by
 * the same detectors as the `pii` signal, shared with it (detected once per request), so that the
 * cache keeps no personal data even in a policy without a `pii` signal. A message too long to scan
 * in one piece (its scan would pause on the request's budget) is not cached at all.
 */
function structuredPiiIn(request: RouterRequest): Uncacheable | undefined {
  const { messages } = request.chat;
  if (messages.some((m) => m.text.length > WHOLE_TEXT_CHARS)) return 'too-long';
  const found = messagesPii(
    request,
    messages.map((_, index) => index),
  );
  if (found instanceof Promise) return 'too-long';
  return found.some((spans) => spans.some((span) => span.score >= DEFAULT_PII_MIN_CONFIDENCE))
    ? 'pii'
    : undefined;
}

/** What of a model changes its answers: where it is served and by what name, and how it reasons. */
interface AnsweringModel {
  readonly name: string;
  readonly endpoint?: unknown;
  readonly upstreamModel?: string | undefined;
  readonly reasoningFamily?: string | undefined;
}

const MODEL_SETUPS = new WeakMap<AnsweringModel, string>();

/** A digest of what of a model changes its answers (computed once per model of a policy). */
function modelSetup(model: AnsweringModel): string {
  let setup = MODEL_SETUPS.get(model);
  if (setup === undefined) {
    const { endpoint, upstreamModel, reasoningFamily } = model;
    setup = createHash('sha256')
      .update(canonicalJson({ endpoint, upstreamModel, reasoningFamily }))
      .digest('base64url')
      .slice(0, 16);
    MODEL_SETUPS.set(model, setup);
  }
  return setup;
}

/** The cache's plan for a request (see {@link CachePlan}). */
export function cachePlan(
  params: CacheParams,
  input: {
    request: RouterRequest;
    decision: string;
    model: AnsweringModel;
    signals: ReadonlyMap<string, SignalResult>;
    decisionSetup?: string;
    personalData?: boolean;
  },
): CachePlan {
  const { request, decision, model, signals } = input;
  const category = categoryOf(params, decision, signals);
  const control = clientCacheControl(request);
  const identity = params.scope === 'global' ? '*' : requestIdentity(request, params.identityHeaders);
  const question = request.text('last-user');
  const partition =
    identity === undefined
      ? ''
      : partitionId({
          identity,
          decision,
          model: model.name,
          setup: `${input.decisionSetup ?? ''}/${modelSetup(model)}`,
          stream: request.chat.stream,
          fingerprint: requestFingerprint(request),
        });
  const why: Uncacheable | undefined = !category.enabled
    ? 'disabled'
    : identity === undefined
      ? 'no-identity'
      : question.trim() === ''
        ? 'no-question'
        : uncacheable(params, request, signals, input.personalData === true);
  return {
    category,
    control,
    ...(why !== undefined && { uncacheable: why }),
    identity: identity ?? '',
    partition,
    exactKey: exactKey(partition, question),
    question,
  };
}
