import { type CacheEntry, type InvalidationFilter, matchesFilter } from './cache-entry.ts';

/** How long, and how many, invalidations are remembered. */
const REMEMBERED_MS = 10 * 60_000;
const MAX_REMEMBERED = 1000;

/**
 * The invalidations of the last minutes, so that an answer asked for before one that matches it
 * (a long stream still under way) is not stored when it ends. Bounded in time and count; an answer
 * asked for before what is still remembered counts as invalidated.
 */
export class RecentInvalidations {
  readonly #seen: { at: number; filter: InvalidationFilter }[] = [];
  /** Invalidations since this time are all remembered. */
  #since = Date.now();

  record(filter: InvalidationFilter, now = Date.now()): void {
    this.#seen.push({ at: now, filter });
    while (this.#seen.length > MAX_REMEMBERED || (this.#seen[0]?.at ?? now) < now - REMEMBERED_MS) {
      const dropped = this.#seen.shift();
      if (dropped) this.#since = Math.max(this.#since, dropped.at + 1);
    }
  }

  /** Whether an invalidation since `askedAt` matches the entry (or may have). */
  since(askedAt: number, entry: CacheEntry): boolean {
    if (askedAt < this.#since) return true;
    return this.#seen.some(({ at, filter }) => at >= askedAt && matchesFilter(entry, filter));
  }
}
