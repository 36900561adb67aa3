import type { CacheEntry, InvalidationFilter } from './cache-entry.ts';
import { CLOCK_SKEW_MS, InvalidationTimes } from './invalidation-times.ts';

/** How long, and how many distinct filters, invalidations are remembered. */
const REMEMBERED_MS = 10 * 60_000;
const MAX_REMEMBERED = 1000;

/**
 * The invalidations of the last minutes, so that an answer asked for before one that matches it
 * (a long stream still under way) is not stored when it ends, an entry another replica made before
 * one is not taken when it arrives after it, and an entry it covers is not served while it is
 * being removed. Bounded in time and count; an answer asked for before what is still remembered
 * counts as invalidated.
 */
export class RecentInvalidations {
  readonly #times = new InvalidationTimes();
  /** Invalidations since this time are all remembered. */
  #since = Date.now();

  /** Remembers an invalidation applied at `at` (here, or by another replica). */
  record(filter: InvalidationFilter, at = Date.now(), now = Date.now()): void {
    this.#times.record(filter, at);
    while (this.#times.size > MAX_REMEMBERED || (this.#times.oldest() ?? now) < now - REMEMBERED_MS) {
      const dropped = this.#times.forgetOldest();
      if (dropped === undefined) break;
      this.#since = Math.max(this.#since, dropped + 1);
    }
  }

  /** Whether an answer asked for at `askedAt` is covered by an invalidation (or may have been: one forgotten since). */
  since(askedAt: number, entry: CacheEntry): boolean {
    return askedAt < this.#since || this.#times.latestFor(entry) + CLOCK_SKEW_MS >= askedAt;
  }

  /** Whether a remembered invalidation covers the entry (see `InvalidationTimes.covers`). */
  covers(entry: CacheEntry): boolean {
    return this.#times.covers(entry);
  }
}
