import type { Embedder } from '../models/embedder.ts';
import { Memo } from '../request/memo.ts';
import type { RouterRequest } from '../request/router-request.ts';
import { requestEmbedding } from '../signals/request-embedding.ts';
import { defineStage } from '../stages/stage-definition.ts';
import type { SharedRedis } from '../state/redis-connections.ts';
import { CacheParams, cacheParamProblems } from './cache-params.ts';
import { type CachePlan, cachePlan } from './cache-plan.ts';
import { useSnapshot } from './cache-snapshot.ts';
import { hitResponse, type StoredCompletion } from './completion.ts';
import { bothObservers, ModelLoad } from './model-load.ts';
import { captureResponse } from './response-capture.ts';
import { type LookupQuery, SemanticCache } from './semantic-cache.ts';

/** The caches of the process, by encoder and store, with the connection each is bound to. */
const CACHES = new Memo<'caches', Map<string, { redis: SharedRedis | undefined; cache: SemanticCache }>>();

/**
 * The process's cache for one encoder and one store (Redis, or memory): entries outlive policy
 * reloads that keep both. A reload that opens a new connection to the same Redis (other timeouts)
 * closes the cache bound to the old one, which the reload closes too, and starts one on the new
 * connection, which catches up from Redis.
 */
export function sharedCache(
  processState: object,
  embedder: Embedder,
  redis: SharedRedis | undefined,
): SemanticCache {
  const caches = CACHES.of(processState, 'caches', () => new Map());
  const key = `${embedder.id}\u0000${redis ? `${redis.label}\u0000${redis.key('')}` : 'memory'}`;
  const known = caches.get(key);
  if (known && known.redis === redis) return known.cache;
  known?.cache.close();
  const cache = new SemanticCache(redis);
  caches.set(key, { redis, cache });
  return cache;
}

/** Counts what a hit spared the model: the tokens its answer took (its stored usage), and their price. */
function countSaving(
  stats: { savedTokens: number; savedUsd: number },
  completion: StoredCompletion,
  pricing: { inputPerMillion: number; outputPerMillion: number } | undefined,
): void {
  const usage = completion.usage as Record<string, unknown> | undefined;
  const prompt = typeof usage?.prompt_tokens === 'number' ? usage.prompt_tokens : 0;
  const answer = typeof usage?.completion_tokens === 'number' ? usage.completion_tokens : 0;
  stats.savedTokens += prompt + answer;
  if (pricing) stats.savedUsd += (prompt * pricing.inputPerMillion + answer * pricing.outputPerMillion) / 1e6;
}

const PLANS = new Memo<string, CachePlan>();

/** What the router sees of each model's load, per process (across reloads). */
const LOADS = new Memo<'models', ModelLoad>();

/** The lookup a plan asks for; the embedding is the request's own (computed once per request). */
function queryOf(
  plan: CachePlan,
  request: RouterRequest,
  embedder: Embedder,
  verifier: LookupQuery['verifier'],
  overload: { threshold: number; ttlSeconds: number } | undefined,
): LookupQuery {
  // Entries may be kept past their category's TTL for an overloaded model: otherwise they serve
  // only within it.
  const ttlSeconds = overload
    ? Math.max(overload.ttlSeconds, plan.category.ttlSeconds)
    : plan.category.ttlSeconds;
  const maxAge = Math.min(ttlSeconds, plan.control.maxAgeSeconds ?? Number.POSITIVE_INFINITY);
  return {
    partition: plan.partition,
    exactKey: plan.exactKey,
    question: plan.question,
    vector: () => requestEmbedding(request, embedder, 'last-user'),
    threshold: overload ? Math.min(overload.threshold, plan.category.threshold) : plan.category.threshold,
    maxAgeMs: maxAge * 1000,
    verifier,
  };
}

/**
 * The semantic cache as a route stage (the policy's `cache` block): after selection it looks the
 * request up, exact then semantic within its partition, and answers a hit; otherwise it watches the
 * response and stores a complete 2xx answer.
 */
export const cacheStage = defineStage({
  key: 'cache',
  description:
    'The semantic cache: an exact tier and a semantic tier (HNSW over the request embedding, every candidate checked by a verifier), partitioned by tenant, decision, model, stream mode and a fingerprint of the rest of the request; documents in memory, or in Redis when the policy has a `redis` block.',
  params: CacheParams,
  validate: cacheParamProblems,
  create(params, context) {
    const encoder = context.encoder();
    const { enabled: verifies, maxUnmatchedWords, maxUnmatchedShare, maxExtraWords } = params.verifier;
    const verifier = verifies ? { maxUnmatchedWords, maxUnmatchedShare, maxExtraWords } : undefined;
    let current: SemanticCache | undefined;
    // An encoder that cannot load is reported once by the model library (model_unavailable); the
    // cache then stays out of the way (undefined) rather than failing every request.
    const ready = encoder.get().then(
      (embedder) => {
        const cache = sharedCache(context.processState, embedder, context.redis);
        // Without Redis, a snapshot keeps the entries across restarts (Redis keeps them otherwise).
        if (params.snapshotFile !== undefined && !context.redis) {
          const file = context.resolvePath(params.snapshotFile);
          useSnapshot(context.processState, cache, {
            file,
            encoder: embedder.id,
            intervalMs: snapshotEveryMs,
          });
        }
        // Quotas hold for entries other replicas store too, before this one stores any.
        cache.setDefaultQuota(params.maxEntries);
        for (const category of params.categories) {
          const name = category.decision ?? `domain:${category.domain}`;
          if (category.maxEntries !== undefined) cache.setQuota(name, category.maxEntries);
        }
        current = cache;
        return { embedder, cache };
      },
      () => undefined,
    );
    const adaptive = params.loadAdaptive;
    const snapshotEveryMs = params.snapshotIntervalSeconds * 1000;
    const load = LOADS.of(context.processState, 'models', () => new ModelLoad());
    /** Why the model is overloaded, when the policy adapts to load and it is. */
    const overloadOf = (model: string) => (adaptive ? load.overloaded(model, adaptive) : undefined);
    const planOf = (input: Parameters<typeof cachePlan>[1]) =>
      PLANS.of(input.request, input.model.name, () => cachePlan(params, input));
    return {
      name: 'cache',
      cacheStats() {
        return (current?.categories() ?? []).map(({ category, entries, bytes, stats }) => ({
          category,
          entries,
          bytes,
          ...stats,
        }));
      },
      async invalidate({ tenant, category, decision, model }) {
        const cache = (await ready)?.cache;
        if (!cache) return 0;
        return cache.invalidate({
          ...(tenant !== undefined && { identity: tenant }),
          ...(category !== undefined && { category }),
          ...(decision !== undefined && { decision }),
          ...(model !== undefined && { model }),
        });
      },
      async explain(input) {
        const plan = planOf(input);
        const summary: Record<string, unknown> = {
          category: plan.category.name,
          threshold: plan.category.threshold,
          ttlSeconds: plan.category.ttlSeconds,
          lookup: !plan.uncacheable && plan.control.lookup,
          store: !plan.uncacheable && plan.control.store,
          ...(plan.uncacheable && { uncacheable: plan.uncacheable }),
          ...(plan.partition !== '' && { partition: plan.partition }),
          ...(overloadOf(input.model.name) && { overloaded: overloadOf(input.model.name) }),
        };
        if (plan.uncacheable || !plan.control.lookup) return summary;
        const state = await ready;
        if (!state) return { ...summary, result: 'the encoder is unavailable' };
        const { embedder, cache } = state;
        const overloaded = overloadOf(input.model.name);
        const result = await cache.inspect(
          queryOf(plan, input.request, embedder, verifier, overloaded ? adaptive : undefined),
        );
        return {
          ...summary,
          result: result.hit ? `hit (${result.tier}, similarity ${result.similarity.toFixed(3)})` : 'miss',
          nearest: result.candidates.map(({ question, similarity, verdict }) => ({
            question: question.length > 120 ? `${question.slice(0, 117)}...` : question,
            similarity: Math.round(similarity * 1000) / 1000,
            verdict:
              typeof verdict === 'string'
                ? verdict
                : verdict.agrees
                  ? 'verifier agrees'
                  : `verifier refuses: ${verdict.reason} (${verdict.detail})`,
          })),
        };
      },
      async answer(input) {
        const plan = planOf(input);
        if (plan.uncacheable || !plan.control.lookup) return undefined;
        const state = await ready;
        if (!state) return undefined;
        const { embedder, cache } = state;
        const { request } = input;
        const overloaded = overloadOf(input.model.name);
        const result = await cache.lookup(
          queryOf(plan, request, embedder, verifier, overloaded ? adaptive : undefined),
          plan.category.name,
        );
        if (!result.hit) return undefined;
        countSaving(cache.stats(plan.category.name), result.completion, input.model.pricing);
        const options = request.chat.body.stream_options;
        const response = hitResponse(result.completion, {
          requestId: request.id,
          stream: request.chat.stream,
          includeUsage:
            typeof options === 'object' &&
            options !== null &&
            (options as Record<string, unknown>).include_usage === true,
          tier: result.tier,
          similarity: result.similarity,
          now: Date.now() / 1000,
        });
        return {
          response,
          reason: `cache hit (${result.tier}, similarity ${result.similarity.toFixed(3)}, ${plan.category.name}${overloaded ? `; ${input.model.name} overloaded: ${overloaded}` : ''})`,
        };
      },
      observe(input) {
        const plan = planOf(input);
        const { request, decision, model } = input;
        const watching = adaptive ? load.watch(model.name) : undefined;
        if (plan.uncacheable || !plan.control.store) return watching;
        // Kept as long as an overloaded model may be served from it (see queryOf).
        const ttlSeconds = Math.min(
          Math.max(plan.category.ttlSeconds, adaptive?.ttlSeconds ?? 0),
          plan.control.maxAgeSeconds ?? Number.POSITIVE_INFINITY,
        );
        if (ttlSeconds <= 0) return watching;
        const askedAt = Date.now();
        return bothObservers(
          watching,
          captureResponse(params.maxResponseBytes, (completion, bytes) => {
            // Off the response path: the embedding is the request's own (computed once), the insert
            // and any eviction run after the exchange is over.
            setImmediate(() => {
              void ready
                .then(async (state) => {
                  if (!state) return;
                  const { embedder, cache } = state;
                  const vector = await requestEmbedding(request, embedder, 'last-user');
                  cache.setQuota(plan.category.name, plan.category.maxEntries);
                  await cache.insert(
                    {
                      partition: plan.partition,
                      exactKey: plan.exactKey,
                      category: plan.category.name,
                      identity: plan.identity,
                      decision,
                      model: model.name,
                      question: plan.question,
                      vector,
                      ttlMs: ttlSeconds * 1000,
                      bytes,
                      askedAt,
                    },
                    completion,
                  );
                })
                .catch(() => {
                  if (current) current.stats(plan.category.name).insertFailures++;
                });
            });
          }),
        );
      },
    };
  },
});
