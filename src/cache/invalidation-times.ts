import { type CacheEntry, type InvalidationFilter, matchesFilter } from './cache-entry.ts';

function keyOf(filter: InvalidationFilter): string {
  return JSON.stringify([
    filter.identity ?? null,
    filter.category ?? null,
    filter.decision ?? null,
    filter.model ?? null,
  ]);
}

/**
 * How far apart the clocks of replicas may be: an invalidation drops the entries matching it made
 * before it, or up to this long after it by their clock (NTP keeps clocks far closer). Dropping a
 * newer entry costs a miss; keeping an older one could serve an answer that was invalidated.
 */
export const CLOCK_SKEW_MS = 250;

/** Up to this many filters an entry is matched against one by one; beyond, by its 16 possible filters. */
const SCAN_FILTERS = 16;

/**
 * When each distinct invalidation filter was last applied, and the latest that matches an entry:
 * O(1) per entry however many filters are kept (an entry can match only the 16 filters made of
 * its own identity, category, decision and model, or of fewer of them).
 */
export class InvalidationTimes {
  /** By filter, in the order they were (last) recorded. */
  readonly #latest = new Map<string, { filter: InvalidationFilter; at: number }>();

  get size(): number {
    return this.#latest.size;
  }

  record(filter: InvalidationFilter, at: number): void {
    const key = keyOf(filter);
    const known = this.#latest.get(key);
    if (known && known.at >= at) return;
    this.#latest.delete(key);
    this.#latest.set(key, { filter, at });
  }

  /** When the filter recorded least recently was applied. */
  oldest(): number | undefined {
    for (const { at } of this.#latest.values()) return at;
    return undefined;
  }

  /** Forgets the filter recorded least recently; returns when it was applied. */
  forgetOldest(): number | undefined {
    for (const [key, { at }] of this.#latest) {
      this.#latest.delete(key);
      return at;
    }
    return undefined;
  }

  /** Whether an invalidation matching the entry came after it was made (give or take {@link CLOCK_SKEW_MS}). */
  covers(entry: CacheEntry): boolean {
    return this.latestFor(entry) + CLOCK_SKEW_MS >= entry.createdAt;
  }

  /** The latest time an invalidation matching `entry` was applied; -Infinity when none was. */
  latestFor(entry: CacheEntry): number {
    let latest = Number.NEGATIVE_INFINITY;
    if (this.#latest.size <= SCAN_FILTERS) {
      for (const { filter, at } of this.#latest.values())
        if (at > latest && matchesFilter(entry, filter)) latest = at;
      return latest;
    }
    for (let mask = 0; mask < 16; mask++) {
      const known = this.#latest.get(
        keyOf({
          ...(mask & 1 && { identity: entry.identity }),
          ...(mask & 2 && { category: entry.category }),
          ...(mask & 4 && { decision: entry.decision }),
          ...(mask & 8 && { model: entry.model }),
        }),
      );
      if (known && known.at > latest) latest = known.at;
    }
    return latest;
  }
}
