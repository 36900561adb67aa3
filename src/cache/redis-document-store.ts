import { randomUUID } from 'node:crypto';
import type { SharedRedis } from '../state/redis-connections.ts';
import { type CacheEntry, entryFromJson, entryToJson, type InvalidationFilter } from './cache-entry.ts';
import type { StoredCompletion } from './completion.ts';
import { type DocumentStore, MemoryDocumentStore } from './document-store.ts';

/** What the other replicas tell this one through Redis. */
export interface ReplicaListener {
  /** An entry another replica stored (or one this replica missed while it was away). */
  added(entry: CacheEntry): void;
  invalidated(filter: InvalidationFilter): void;
}

type ReplicaMessage =
  | { op: 'put'; id: string; from: string }
  | { op: 'invalidate'; filter: InvalidationFilter; from: string };

/** An invalidation done in this replica that could not reach the others through Redis. */
export class ReplicasNotTold extends Error {
  constructor(why: string) {
    super(
      `this replica dropped its matching entries, but the other replicas were not told (Redis: ${why}); retry when Redis is back`,
    );
    this.name = 'ReplicasNotTold';
  }
}

/** Entries read per MGET when catching up. */
const CATCH_UP_BATCH = 500;

function isInvalidationFilter(value: unknown): value is InvalidationFilter {
  if (typeof value !== 'object' || value === null) return false;
  return Object.entries(value).every(
    ([key, v]) => ['identity', 'category', 'decision', 'model'].includes(key) && typeof v === 'string',
  );
}

/**
 * Documents in Redis, shared by every replica: each entry is one key (its summary, vector and
 * response as JSON) that Redis expires itself, listed in a sorted set by expiry so that a replica
 * that starts late, or comes back after an outage, reads the live ones; new entries and
 * invalidations are published on a channel for the other replicas' indexes. While Redis is down,
 * new documents are kept in memory (the router counts and logs the outage once) and reads of
 * documents in Redis miss; nothing waits on it beyond the connection's command timeout.
 */
export class RedisDocumentStore implements DocumentStore {
  /** This replica, so that it ignores its own messages. */
  readonly #self = randomUUID();
  readonly #local = new MemoryDocumentStore();
  readonly #channel: string;
  readonly #ids: string;
  #catchingUp: Promise<void> | undefined;

  constructor(
    private readonly redis: SharedRedis,
    private readonly listener: ReplicaListener,
  ) {
    this.#channel = redis.key('cache:events');
    this.#ids = redis.key('cache:ids');
    const subscriber = redis.subscriber();
    subscriber.on('message', (channel: string, message: string) => {
      // A message is anyone's who can publish on this Redis: nothing in one may break the process.
      if (channel === this.#channel) this.#received(message).catch(() => {});
    });
    subscriber.subscribe(this.#channel).catch(() => {});
    redis.onAvailability((available) => {
      if (available) void this.catchUp();
    });
    if (redis.available) void this.catchUp();
  }

  #docKey(id: string): string {
    return this.redis.key(`cache:doc:${id}`);
  }

  async get(id: string): Promise<StoredCompletion | undefined> {
    const local = await this.#local.get(id);
    if (local) return local;
    if (!this.redis.available) return undefined;
    try {
      const text = await this.redis.client.get(this.#docKey(id));
      if (text === null) return undefined;
      const parsed = JSON.parse(text) as { completion?: StoredCompletion };
      return parsed.completion;
    } catch {
      return undefined;
    }
  }

  async put(entry: CacheEntry, completion: StoredCompletion): Promise<void> {
    if (!this.redis.available) {
      await this.#local.put(entry, completion);
      return;
    }
    const message: ReplicaMessage = { op: 'put', id: entry.id, from: this.#self };
    try {
      await this.redis.client
        .multi()
        .set(
          this.#docKey(entry.id),
          JSON.stringify({ entry: entryToJson(entry), completion }),
          'PXAT',
          entry.expiresAt,
        )
        .zadd(this.#ids, entry.expiresAt, entry.id)
        .publish(this.#channel, JSON.stringify(message))
        .exec();
    } catch {
      await this.#local.put(entry, completion);
    }
  }

  async delete(ids: readonly string[]): Promise<void> {
    await this.#local.delete(ids);
    if (ids.length === 0 || !this.redis.available) return;
    try {
      await this.redis.client
        .multi()
        .del(...ids.map((id) => this.#docKey(id)))
        .zrem(this.#ids, ...ids)
        .exec();
    } catch {
      // Redis expires them itself.
    }
  }

  /**
   * Tells the other replicas to drop the entries matching `filter` (they are deleted here by the
   * caller). Throws {@link ReplicasNotTold} when Redis cannot take the message, so that whoever asked
   * learns that the other replicas still hold those entries and retries.
   */
  async publishInvalidation(filter: InvalidationFilter): Promise<void> {
    if (!this.redis.available) throw new ReplicasNotTold(`${this.redis.label} is unavailable`);
    const message: ReplicaMessage = { op: 'invalidate', filter, from: this.#self };
    await this.redis.client.publish(this.#channel, JSON.stringify(message)).catch((error: Error) => {
      throw new ReplicasNotTold(error.message);
    });
  }

  /** Reads every live entry in Redis and hands it to the listener (at start, and after an outage). */
  catchUp(): Promise<void> {
    this.#catchingUp ??= this.#catchUp().finally(() => {
      this.#catchingUp = undefined;
    });
    return this.#catchingUp;
  }

  async #catchUp(): Promise<void> {
    try {
      const now = Date.now();
      await this.redis.client.zremrangebyscore(this.#ids, '-inf', now);
      const ids = await this.redis.client.zrangebyscore(this.#ids, now, '+inf');
      for (let start = 0; start < ids.length; start += CATCH_UP_BATCH) {
        const batch = ids.slice(start, start + CATCH_UP_BATCH);
        const texts = await this.redis.client.mget(...batch.map((id) => this.#docKey(id)));
        for (const text of texts) if (text !== null) this.#addFrom(text);
      }
    } catch {
      // Redis went away again: the next return catches up.
    }
  }

  #addFrom(text: string): void {
    try {
      const entry = entryFromJson((JSON.parse(text) as { entry?: unknown }).entry);
      if (entry && entry.expiresAt > Date.now()) this.listener.added(entry);
    } catch {
      // A document that is not ours (or damaged) is skipped.
    }
  }

  async #received(text: string): Promise<void> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return;
    const message = parsed as ReplicaMessage;
    if (message.from === this.#self) return;
    if (message.op === 'invalidate' && isInvalidationFilter(message.filter)) {
      this.listener.invalidated(message.filter);
    } else if (message.op === 'put' && typeof message.id === 'string') {
      const doc = await this.redis.client.get(this.#docKey(message.id)).catch(() => null);
      if (doc !== null) this.#addFrom(doc);
    }
  }
}
