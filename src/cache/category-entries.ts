import type { CacheEntry } from './cache-entry.ts';
import { IndexedHeap } from './indexed-heap.ts';

/** An entry in memory with what the quota weighs it by, and its places in its category's heaps. */
export interface Kept {
  readonly entry: CacheEntry;
  /** Increases with each entry taken: the older goes first between entries of equal worth. */
  readonly label: number;
  hits: number;
  /** Its worth when it was taken or last hit (see {@link CategoryEntries}). */
  worth: number;
  byWorth: number;
  byExpiry: number;
}

/**
 * The entries of one category, ordered two ways so that keeping to a quota costs O(log n) per
 * entry however many there are: by expiry (the expired go first) and by worth (then the least
 * worth). Worth is hits (plus one) per byte, aged as GreedyDual-Size-Frequency does: an entry's
 * worth is set when it is taken or hit, on top of the worth of the last entry evicted, so an entry
 * hit often long ago does not outlive newer ones forever and a new entry is not the first to go
 * because older ones, never hit either, are a few bytes shorter.
 */
export class CategoryEntries<T extends Kept> {
  readonly #byExpiry = new IndexedHeap<T>((a, b) => a.entry.expiresAt < b.entry.expiresAt, {
    get: (item) => item.byExpiry,
    set: (item, at) => {
      item.byExpiry = at;
    },
  });
  readonly #byWorth = new IndexedHeap<T>(
    (a, b) => a.worth < b.worth || (a.worth === b.worth && a.label < b.label),
    {
      get: (item) => item.byWorth,
      set: (item, at) => {
        item.byWorth = at;
      },
    },
  );
  /** The worth of the last entry evicted: where new worth starts. */
  #floor = 0;
  #bytes = 0;

  get size(): number {
    return this.#byWorth.size;
  }

  /** Bytes of the entries' responses and questions. */
  get bytes(): number {
    return this.#bytes;
  }

  add(item: T): void {
    if (item.byWorth >= 0) return;
    item.worth = this.#worth(item);
    this.#byWorth.push(item);
    this.#byExpiry.push(item);
    this.#bytes += item.entry.bytes;
  }

  delete(item: T): void {
    if (item.byWorth < 0) return;
    this.#byWorth.delete(item);
    this.#byExpiry.delete(item);
    this.#bytes -= item.entry.bytes;
  }

  /** Counts a hit on an entry (it moves away from eviction). */
  hit(item: T): void {
    item.hits++;
    item.worth = this.#worth(item);
    this.#byWorth.update(item);
  }

  /** The entry that expires first, when it has expired by `now`. */
  expired(now: number): T | undefined {
    const first = this.#byExpiry.peek();
    return first && first.entry.expiresAt <= now ? first : undefined;
  }

  /** Takes out the entry of least worth, for eviction (later entries' worth starts from its). */
  evict(): T | undefined {
    const least = this.#byWorth.peek();
    if (!least) return undefined;
    this.#floor = Math.max(this.#floor, least.worth);
    this.delete(least);
    return least;
  }

  #worth(item: T): number {
    return this.#floor + (item.hits + 1) / Math.max(1, item.entry.bytes);
  }
}
