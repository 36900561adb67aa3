import { Counter, Gauge, type Registry } from 'prom-client';
import type { RuntimePolicy } from '../policy/runtime-policy.ts';

type CacheStats = ReturnType<NonNullable<RuntimePolicy['stages'][number]['cacheStats']>>[number];

/**
 * The cache's metrics per category, read from the policy's stages when scraped: lookups, hits by
 * tier, verifier rejections, inserts, evictions and expirations, lookup time, entries and bytes.
 */
export function registerCacheMetrics(registry: Registry, policy: () => RuntimePolicy): void {
  const read = (): CacheStats[] => policy().stages.flatMap((stage) => stage.cacheStats?.() ?? []);
  const counter = (name: string, help: string, value: (stats: CacheStats) => number) =>
    new Counter({
      name,
      help,
      labelNames: ['category'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const stats of read()) this.inc({ category: stats.category }, value(stats));
      },
    });
  const gauge = (name: string, help: string, value: (stats: CacheStats) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['category'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const stats of read()) this.set({ category: stats.category }, value(stats));
      },
    });
  counter('semantic_router_cache_lookups_total', 'Cache lookups by category.', (s) => s.lookups);
  new Counter({
    name: 'semantic_router_cache_hits_total',
    help: 'Cache hits by category and tier (exact, semantic).',
    labelNames: ['category', 'tier'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const stats of read()) {
        this.inc({ category: stats.category, tier: 'exact' }, stats.exactHits);
        this.inc({ category: stats.category, tier: 'semantic' }, stats.semanticHits);
      }
    },
  });
  counter(
    'semantic_router_cache_verifier_rejections_total',
    'Semantic candidates above the threshold that the verifier refused, by category.',
    (s) => s.verifierRejections,
  );
  counter(
    'semantic_router_cache_store_errors_total',
    'Lookups that found an entry but could not read its answer from the store (Redis down or slower than its command timeout), served as misses, by category.',
    (s) => s.storeErrors,
  );
  counter('semantic_router_cache_inserts_total', 'Answers stored, by category.', (s) => s.inserts);
  counter(
    'semantic_router_cache_saved_tokens_total',
    'Tokens the answers served from the cache took to make (their stored usage), by category: what the models were spared.',
    (s) => s.savedTokens,
  );
  counter(
    'semantic_router_cache_saved_usd_total',
    'Those tokens at the answering model’s `pricing`, by category: what the cache saved.',
    (s) => s.savedUsd,
  );
  counter(
    'semantic_router_cache_insert_failures_total',
    'Complete answers that could not be stored (their request could not be embedded), by category.',
    (s) => s.insertFailures,
  );
  counter(
    'semantic_router_cache_evictions_total',
    'Entries evicted over quota, by category.',
    (s) => s.evictions,
  );
  counter(
    'semantic_router_cache_expirations_total',
    'Entries removed on expiry, by category.',
    (s) => s.expirations,
  );
  counter(
    'semantic_router_cache_lookup_seconds_total',
    'Time spent in cache lookups, by category (divide by lookups for the mean).',
    (s) => s.lookupSeconds,
  );
  gauge('semantic_router_cache_entries', "Entries in this replica's cache, by category.", (s) => s.entries);
  gauge(
    'semantic_router_cache_bytes',
    'Bytes of the stored answers and questions, by category.',
    (s) => s.bytes,
  );
}
