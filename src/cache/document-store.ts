import type { CacheEntry } from './cache-entry.ts';
import type { StoredCompletion } from './completion.ts';

/**
 * Where entries' documents live (the response; the index and the entries' summaries are in memory).
 * In memory by default; in Redis when the policy names one (see `RedisDocumentStore`).
 */
export interface DocumentStore {
  /** The stored response of an entry; undefined when it is gone (expired, evicted, never reached the store). */
  get(id: string): Promise<StoredCompletion | undefined>;
  put(entry: CacheEntry, completion: StoredCompletion): Promise<void>;
  delete(ids: readonly string[]): Promise<void>;
}

/** Documents in this process's memory. */
export class MemoryDocumentStore implements DocumentStore {
  readonly #documents = new Map<string, StoredCompletion>();

  async get(id: string): Promise<StoredCompletion | undefined> {
    return this.#documents.get(id);
  }

  async put(entry: CacheEntry, completion: StoredCompletion): Promise<void> {
    this.#documents.set(entry.id, completion);
  }

  async delete(ids: readonly string[]): Promise<void> {
    for (const id of ids) this.#documents.delete(id);
  }

  get size(): number {
    return this.#documents.size;
  }
}
