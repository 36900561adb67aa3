import { randomUUID } from 'node:crypto';
import type { SharedRedis } from '../state/redis-connections.ts';
import { type CacheEntry, type InvalidationFilter, matchesFilter } from './cache-entry.ts';
import { CategoryEntries, type Kept } from './category-entries.ts';
import type { StoredCompletion } from './completion.ts';
import { type DocumentStore, MemoryDocumentStore } from './document-store.ts';
import { CLOCK_SKEW_MS } from './invalidation-times.ts';
import { RecentInvalidations } from './recent-invalidations.ts';
import { RedisDocumentStore, type ReplicaListener, StoreUnreachable } from './redis-document-store.ts';
import { MAX_FACT_CHARS, type TextFacts, textFacts } from './text-facts.ts';
import { PartitionIndex } from './vector-index.ts';
import { type VerifierSettings, type VerifierVerdict, verifyFacts } from './verifier.ts';

/** Semantic candidates read per lookup (the closest first). */
const CANDIDATES = 4;
/** Entries removed (expired, evicted or invalidated) or checked per turn of the event loop: a few milliseconds of work. */
const REMOVE_BATCH = 250;
const SWEEP_INTERVAL_MS = 10_000;

/** What one lookup asks. */
export interface LookupQuery {
  readonly partition: string;
  readonly exactKey: string;
  readonly question: string;
  /** The request's embedding (already computed by the signals, or computed now: once per request). */
  readonly vector: () => Promise<Float32Array>;
  readonly threshold: number;
  /** Serve only entries at most this old (the client's `max-age`). */
  readonly maxAgeMs?: number;
  /** Undefined: semantic candidates are not verified. */
  readonly verifier: VerifierSettings | undefined;
}

/** A semantic candidate and what became of it, for `explain` and the evaluation. */
export interface Candidate {
  readonly question: string;
  readonly similarity: number;
  readonly verdict: VerifierVerdict | 'below-threshold' | 'expired' | 'too-old' | 'gone';
}

export type LookupResult =
  | {
      readonly hit: true;
      readonly tier: 'exact' | 'semantic';
      readonly similarity: number;
      readonly completion: StoredCompletion;
      readonly entry: CacheEntry;
      readonly candidates: readonly Candidate[];
    }
  | { readonly hit: false; readonly candidates: readonly Candidate[]; readonly verifierRejections: number };

/** Counts per category, read by the router's metrics. */
export interface CategoryStats {
  lookups: number;
  exactHits: number;
  semanticHits: number;
  verifierRejections: number;
  /** Lookups that found an entry but could not read its answer (Redis down or too slow): misses. */
  storeErrors: number;
  inserts: number;
  insertFailures: number;
  /** Tokens the hits' answers took to make (their usage as stored): what the model was spared. */
  savedTokens: number;
  /** Those tokens at the answering model's prices (hits of models with `pricing`). */
  savedUsd: number;
  evictions: number;
  expirations: number;
  lookupSeconds: number;
}

function emptyStats(): CategoryStats {
  return {
    lookups: 0,
    exactHits: 0,
    semanticHits: 0,
    verifierRejections: 0,
    storeErrors: 0,
    inserts: 0,
    insertFailures: 0,
    savedTokens: 0,
    savedUsd: 0,
    evictions: 0,
    expirations: 0,
    lookupSeconds: 0,
  };
}

interface Live extends Kept {
  facts?: TextFacts;
}

/**
 * The cache's memory: entries by id, by exact key, by category (their quotas), an HNSW index per
 * partition (a hit needs the same partition, so a search never sees another tenant's entries), and
 * the document store behind. Inserts, evictions and expiry run off the request path; lookups are
 * bounded (a few candidates, each verified on at most 4 KiB of text).
 */
export class SemanticCache implements ReplicaListener {
  readonly #entries = new Map<string, Live>();
  readonly #byLabel = new Map<number, Live>();
  readonly #exact = new Map<string, Live>();
  readonly #partitions = new Map<string, PartitionIndex>();
  readonly #categories = new Map<string, CategoryEntries<Live>>();
  /** Categories over their quota with evictions still to do in a later turn of the event loop. */
  readonly #overQuota = new Set<string>();
  /** Documents of removed entries, deleted from the store together in the next turn. */
  #unstored: string[] = [];
  readonly #stats = new Map<string, CategoryStats>();
  readonly #quotas = new Map<string, number>();
  #defaultQuota: number | undefined;
  readonly #recentInvalidations = new RecentInvalidations();
  readonly #store: DocumentStore;
  readonly #shared: RedisDocumentStore | undefined;
  #nextLabel = 0;
  #bytes = 0;
  readonly #sweep: NodeJS.Timeout;
  #closed = false;

  constructor(redis: SharedRedis | undefined) {
    this.#shared = redis ? new RedisDocumentStore(redis, this) : undefined;
    this.#store = this.#shared ?? new MemoryDocumentStore();
    this.#sweep = setInterval(() => void this.sweepExpired(), SWEEP_INTERVAL_MS);
    this.#sweep.unref();
  }

  /** Entries in memory. */
  get size(): number {
    return this.#entries.size;
  }

  /** Bytes of the responses and questions of the entries. */
  get bytes(): number {
    return this.#bytes;
  }

  stats(category: string): CategoryStats {
    let stats = this.#stats.get(category);
    if (!stats) {
      stats = emptyStats();
      this.#stats.set(category, stats);
    }
    return stats;
  }

  /** Categories seen, with their entries and bytes. */
  categories(): { category: string; entries: number; bytes: number; stats: CategoryStats }[] {
    const names = new Set([...this.#stats.keys(), ...this.#categories.keys()]);
    return [...names].map((category) => {
      const entries = this.#categories.get(category);
      return {
        category,
        entries: entries?.size ?? 0,
        bytes: entries?.bytes ?? 0,
        stats: this.stats(category),
      };
    });
  }

  /** Sets a category's quota (entries kept in this replica); the policy's value, re-read on each insert. */
  setQuota(category: string, maxEntries: number): void {
    this.#quotas.set(category, maxEntries);
  }

  /** The quota of a category that has none of its own yet (the policy's `maxEntries`). */
  setDefaultQuota(maxEntries: number): void {
    this.#defaultQuota = maxEntries;
  }

  /**
   * Looks a request up: the exact tier, then the semantic tier of its partition. A store that
   * cannot be read (Redis down, or slower than its command timeout) makes it a miss at the first
   * entry it had to read, so one lookup waits on at most one timeout.
   */
  async lookup(query: LookupQuery, category: string, now = Date.now()): Promise<LookupResult> {
    const started = performance.now();
    try {
      return await this.#lookup(query, category, now);
    } catch (error) {
      if (!(error instanceof StoreUnreachable)) throw error;
      this.stats(category).storeErrors++;
      return { hit: false, candidates: [], verifierRejections: 0 };
    } finally {
      this.stats(category).lookupSeconds += (performance.now() - started) / 1000;
    }
  }

  /**
   * What a lookup would give, without counting it, marking hits or removing anything (`explain`).
   */
  async inspect(query: LookupQuery, now = Date.now()): Promise<LookupResult> {
    try {
      return await this.#lookup(query, '', now, true);
    } catch (error) {
      if (!(error instanceof StoreUnreachable)) throw error;
      return { hit: false, candidates: [], verifierRejections: 0 };
    }
  }

  async #lookup(query: LookupQuery, category: string, now: number, dryRun = false): Promise<LookupResult> {
    const stats = dryRun ? emptyStats() : this.stats(category);
    const remove = (live: Live, why: 'expired' | 'gone') => {
      if (!dryRun) this.#remove(live, why);
    };
    const markHit = (live: Live) => {
      if (!dryRun) this.#categories.get(live.entry.category)?.hit(live);
    };
    stats.lookups++;
    const usable = (live: Live): Candidate['verdict'] | undefined => {
      // Invalidated, and not yet removed (that takes a few turns of the event loop).
      if (this.#recentInvalidations.covers(live.entry)) return 'gone';
      if (live.entry.expiresAt <= now) {
        remove(live, 'expired');
        return 'expired';
      }
      if (query.maxAgeMs !== undefined && now - live.entry.createdAt > query.maxAgeMs) return 'too-old';
      return undefined;
    };
    const exact = this.#exact.get(query.exactKey);
    if (exact && exact.entry.partition === query.partition && usable(exact) === undefined) {
      const completion = await this.#store.get(exact.entry.id);
      if (completion) {
        markHit(exact);
        stats.exactHits++;
        return { hit: true, tier: 'exact', similarity: 1, completion, entry: exact.entry, candidates: [] };
      }
      remove(exact, 'gone');
    }
    const index = this.#partitions.get(query.partition);
    const candidates: Candidate[] = [];
    let verifierRejections = 0;
    if (!index || index.size === 0) return { hit: false, candidates, verifierRejections };
    // The verifier reads at most MAX_FACT_CHARS of a question: a longer one (a document and an
    // instruction, often at its end) is served by the exact tier only.
    if (query.question.length > MAX_FACT_CHARS) return { hit: false, candidates, verifierRejections };
    const vector = await query.vector();
    let asked: TextFacts | undefined;
    for (const { label, similarity } of index.search(vector, CANDIDATES)) {
      const live = this.#byLabel.get(label);
      if (!live) continue;
      const question = live.entry.question;
      // Kept cut to MAX_FACT_CHARS: stored from a longer question, which only the exact tier serves.
      if (question.length >= MAX_FACT_CHARS) continue;
      if (similarity < query.threshold) {
        candidates.push({ question, similarity, verdict: 'below-threshold' });
        continue;
      }
      const unusable = usable(live);
      if (unusable) {
        candidates.push({ question, similarity, verdict: unusable });
        continue;
      }
      if (query.verifier) {
        asked ??= textFacts(query.question);
        live.facts ??= textFacts(question);
        const verdict = verifyFacts(live.facts, asked, query.verifier);
        candidates.push({ question, similarity, verdict });
        if (!verdict.agrees) {
          verifierRejections++;
          continue;
        }
      } else {
        candidates.push({ question, similarity, verdict: { agrees: true } });
      }
      const completion = await this.#store.get(live.entry.id);
      if (!completion) {
        remove(live, 'gone');
        continue;
      }
      markHit(live);
      stats.semanticHits++;
      stats.verifierRejections += verifierRejections;
      return { hit: true, tier: 'semantic', similarity, completion, entry: live.entry, candidates };
    }
    stats.verifierRejections += verifierRejections;
    return { hit: false, candidates, verifierRejections };
  }

  /** Adds an answered request. An entry with the same exact key is replaced. */
  async insert(
    fields: Omit<CacheEntry, 'id' | 'createdAt' | 'expiresAt' | 'bytes' | 'question'> & {
      question: string;
      ttlMs: number;
      /** The size of the response as it arrived (measured when absent). */
      bytes?: number;
      /**
       * When the request was made: an answer asked for before an invalidation that matches it is
       * not stored after it (a long response may end after its entries were invalidated).
       */
      askedAt?: number;
    },
    completion: StoredCompletion,
    now = Date.now(),
  ): Promise<CacheEntry | undefined> {
    const { ttlMs, question, bytes, askedAt, ...rest } = fields;
    const kept = question.length <= MAX_FACT_CHARS ? question : question.slice(0, MAX_FACT_CHARS);
    const entry: CacheEntry = {
      ...rest,
      question: kept,
      id: randomUUID(),
      // An answer is as old as its question: what max-age and invalidations compare.
      createdAt: Math.min(askedAt ?? now, now),
      expiresAt: now + ttlMs,
      bytes: (bytes ?? JSON.stringify(completion).length) + kept.length,
    };
    if (askedAt !== undefined && this.#recentInvalidations.since(askedAt, entry)) return undefined;
    this.#take(entry);
    this.stats(entry.category).inserts++;
    await this.#store.put(entry, completion);
    this.#enforceQuota(entry.category, now);
    return entry;
  }

  /** The entries in memory that have not expired, for a snapshot. */
  *liveEntries(now = Date.now()): Generator<CacheEntry> {
    for (const live of this.#entries.values())
      if (live.entry.expiresAt > now && !this.#recentInvalidations.covers(live.entry)) yield live.entry;
  }

  /** The stored answer of an entry (undefined when it is gone); throws when the store is out of reach. */
  document(id: string): Promise<StoredCompletion | undefined> {
    return this.#store.get(id);
  }

  /**
   * Takes an entry and its answer back from a snapshot (a restart without Redis), within its
   * category's quota; false when it has expired, is already here or did not fit.
   */
  restore(entry: CacheEntry, completion: StoredCompletion): boolean {
    if (this.#entries.has(entry.id) || entry.expiresAt <= Date.now()) return false;
    this.#take(entry);
    if (!this.#entries.has(entry.id)) return false;
    void this.#store.put(entry, completion);
    this.#enforceQuota(entry.category, Date.now());
    return this.#entries.has(entry.id);
  }

  /**
   * Takes another replica's entry into memory and the index, within its category's quota, unless
   * it was made before an invalidation that matches it (which may reach this replica first).
   */
  added(entry: CacheEntry): void {
    if (this.#recentInvalidations.covers(entry)) return;
    this.#take(entry);
    this.#enforceQuota(entry.category, Date.now());
  }

  /** Takes an entry into memory and the index (from this replica or another). */
  #take(entry: CacheEntry): void {
    if (this.#entries.has(entry.id) || entry.expiresAt <= Date.now()) return;
    const previous = this.#exact.get(entry.exactKey);
    if (previous) {
      if (previous.entry.createdAt > entry.createdAt) return;
      this.#remove(previous, 'replaced');
    }
    const live: Live = { entry, label: this.#nextLabel++, hits: 0, worth: 0, byWorth: -1, byExpiry: -1 };
    let index = this.#partitions.get(entry.partition);
    if (!index) {
      index = new PartitionIndex(entry.vector.length);
      this.#partitions.set(entry.partition, index);
    }
    if (index.dimensions !== entry.vector.length) return;
    index.add(live.label, entry.vector);
    this.#entries.set(entry.id, live);
    this.#byLabel.set(live.label, live);
    this.#exact.set(entry.exactKey, live);
    let category = this.#categories.get(entry.category);
    if (!category) {
      category = new CategoryEntries();
      this.#categories.set(entry.category, category);
    }
    category.add(live);
    this.#bytes += entry.bytes;
  }

  /**
   * Removes the entries matching `filter` here, from the store and, through Redis, from the other
   * replicas (and from any replica that catches up later).
   */
  async invalidate(filter: InvalidationFilter, now = Date.now()): Promise<number> {
    const [removed] = await Promise.all([
      this.invalidated(filter, now),
      this.#shared?.publishInvalidation(filter, now),
    ]);
    return removed;
  }

  /**
   * Drops the entries made before `at` that match `filter` (an invalidation here, or one another
   * replica applied at `at`; see `CLOCK_SKEW_MS`): none is served from now on, and they leave
   * memory, the index and the store a batch per turn of the event loop. Resolves to how many were
   * removed.
   */
  async invalidated(filter: InvalidationFilter, at = Date.now()): Promise<number> {
    this.#recentInvalidations.record(filter, at);
    let removed = 0;
    let checked = 0;
    // A Map's iterator goes on past deletions; entries added meanwhile are newer than `at`.
    for (const live of this.#entries.values()) {
      if (matchesFilter(live.entry, filter) && live.entry.createdAt <= at + CLOCK_SKEW_MS) {
        this.#remove(live, 'invalidated');
        removed++;
      }
      if (++checked % REMOVE_BATCH === 0) await nextTurn();
    }
    return removed;
  }

  /** Removes expired entries (the first to expire first), a batch per turn of the event loop. */
  async sweepExpired(now = Date.now()): Promise<number> {
    let removed = 0;
    for (const entries of [...this.#categories.values()]) {
      for (let live = entries.expired(now); live; live = entries.expired(now)) {
        this.#remove(live, 'expired');
        if (++removed % REMOVE_BATCH === 0) await nextTurn();
      }
    }
    return removed;
  }

  /** Replicas: reads what Redis holds (a late start); resolves at once without Redis. */
  catchUp(): Promise<void> {
    return this.#shared?.catchUp() ?? Promise.resolve();
  }

  /**
   * Over its quota, a category drops its expired entries, then those least hit per byte (aged: see
   * `CategoryEntries`): at most a batch now, the rest (after a quota was lowered) in later turns of
   * the event loop.
   */
  #enforceQuota(category: string, now: number): void {
    const quota = this.#quotas.get(category) ?? this.#defaultQuota;
    const entries = this.#categories.get(category);
    if (quota === undefined || !entries) return;
    for (let removed = 0; entries.size > quota; removed++) {
      if (removed === REMOVE_BATCH) {
        if (!this.#overQuota.has(category)) {
          this.#overQuota.add(category);
          setImmediate(() => {
            this.#overQuota.delete(category);
            this.#enforceQuota(category, Date.now());
          });
        }
        return;
      }
      const expired = entries.expired(now);
      if (expired) {
        this.#remove(expired, 'expired');
        continue;
      }
      const victim = entries.evict();
      if (!victim) return;
      this.#remove(victim, 'evicted');
    }
  }

  #remove(live: Live, why: 'expired' | 'evicted' | 'gone' | 'replaced' | 'invalidated'): void {
    const { entry } = live;
    this.#categories.get(entry.category)?.delete(live);
    if (!this.#entries.delete(entry.id)) return;
    this.#byLabel.delete(live.label);
    if (this.#exact.get(entry.exactKey) === live) this.#exact.delete(entry.exactKey);
    const index = this.#partitions.get(entry.partition);
    index?.remove(live.label);
    if (index && index.size === 0) this.#partitions.delete(entry.partition);
    this.#bytes -= entry.bytes;
    const stats = this.stats(entry.category);
    if (why === 'evicted') stats.evictions++;
    if (why === 'expired') stats.expirations++;
    if (why !== 'gone') this.#unstore(entry.id);
  }

  /** Deletes a removed entry's document, with the others removed in the same turn. */
  #unstore(id: string): void {
    if (this.#unstored.push(id) > 1) return;
    setImmediate(() => {
      const ids = this.#unstored;
      this.#unstored = [];
      this.#store.delete(ids).catch(() => {});
    });
  }

  /** Resolves once no partition's index is being built (benchmarks, tests). */
  async settled(): Promise<void> {
    while ([...this.#partitions.values()].some((index) => index.building)) await nextTurn();
  }

  /** Whether it was closed (a reload moved its entries' policy to another encoder or store). */
  get closed(): boolean {
    return this.#closed;
  }

  /** Stops the expiry sweep and the resending of invalidations (tests, shutdown). */
  close(): void {
    this.#closed = true;
    clearInterval(this.#sweep);
    this.#shared?.close();
  }
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
