import { randomUUID } from 'node:crypto';
import type { SharedRedis } from '../state/redis-connections.ts';
import { type CacheEntry, entryFromJson, entryToJson, type InvalidationFilter } from './cache-entry.ts';
import type { StoredCompletion } from './completion.ts';
import { type DocumentStore, MemoryDocumentStore } from './document-store.ts';
import { CLOCK_SKEW_MS, InvalidationTimes } from './invalidation-times.ts';
import { TurnBudget } from './turn-budget.ts';

/** What the other replicas tell this one through Redis. */
export interface ReplicaListener {
  /** An entry another replica stored (or one this replica missed while it was away). */
  added(entry: CacheEntry): void;
  /** An invalidation another replica applied at `at` (its clock). */
  invalidated(filter: InvalidationFilter, at: number): Promise<unknown> | undefined;
}

/**
 * A put names the new entry (its summary: what the index needs, not the response), or only its id
 * (what earlier releases sent: the entry is then read from Redis).
 */
type ReplicaMessage =
  | { op: 'put'; id: string; entry?: unknown; from: string }
  | { op: 'invalidate'; filter: InvalidationFilter; at?: number; from: string };

/** An invalidation as kept in Redis for replicas that catch up later. */
interface InvalidationRecord {
  filter: InvalidationFilter;
  at: number;
}

/** The store could not be asked for a document (Redis down or not answering in time). */
export class StoreUnreachable extends Error {
  constructor(why: string) {
    super(`the cache's documents are out of reach: ${why}`);
    this.name = 'StoreUnreachable';
  }
}

/** An invalidation done in this replica that could not reach the others through Redis. */
export class ReplicasNotTold extends Error {
  constructor(why: string) {
    super(
      `this replica dropped its matching entries; the other replicas will be told when Redis is back and serve theirs until then (Redis: ${why})`,
    );
    this.name = 'ReplicasNotTold';
  }
}

/** Entries read per MGET when catching up. */
const CATCH_UP_BATCH = 200;
/** Time a turn of the event loop may spend taking in entries when catching up. */
const TURN_MS = 4;
/** Documents deleted per command. */
const DELETE_BATCH = 500;
/** Invalidations kept in Redis for late replicas, and queued here while Redis is down. */
const MAX_INVALIDATIONS = 1000;
/** How soon queued invalidations are sent again after Redis did not take them. */
const RESEND_MS = 1000;

function parseRecord(text: string): InvalidationRecord | undefined {
  try {
    const value = JSON.parse(text) as Partial<InvalidationRecord>;
    return isInvalidationFilter(value.filter) && typeof value.at === 'number'
      ? { filter: value.filter, at: value.at }
      : undefined;
  } catch {
    return undefined;
  }
}

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
 * invalidations are published on a channel for the other replicas' indexes. Invalidations are also
 * kept (the last {@link MAX_INVALIDATIONS}, each until the entries made before it have expired), so
 * that an entry made before one is never read back by a replica that catches up. While Redis is
 * down, new documents are kept in memory and invalidations queued until it returns (the router
 * counts and logs the outage once); reads of documents in Redis miss; nothing waits on it beyond
 * the connection's command timeout.
 */
export class RedisDocumentStore implements DocumentStore {
  /** This replica, so that it ignores its own messages. */
  readonly #self = randomUUID();
  readonly #local = new MemoryDocumentStore();
  readonly #channel: string;
  readonly #ids: string;
  readonly #invalidations: string;
  /** Invalidations applied here that Redis has not taken yet (it was down). */
  #unsent: InvalidationRecord[] = [];
  /** The longest time to live of an entry stored here (how long an invalidation must be kept at least). */
  #longestTtlMs = 0;
  #catchingUp: Promise<void> | undefined;
  #resend: NodeJS.Timeout | undefined;
  #sending: Promise<void> | undefined;

  constructor(
    private readonly redis: SharedRedis,
    private readonly listener: ReplicaListener,
  ) {
    this.#channel = redis.key('cache:events');
    this.#ids = redis.key('cache:ids');
    this.#invalidations = redis.key('cache:invalidations');
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

  /** Throws {@link StoreUnreachable} when Redis is down or does not answer in time. */
  async get(id: string): Promise<StoredCompletion | undefined> {
    const local = await this.#local.get(id);
    if (local) return local;
    if (!this.redis.available) throw new StoreUnreachable(`${this.redis.label} is unavailable`);
    let text: string | null;
    try {
      text = await this.redis.client.get(this.#docKey(id));
    } catch (error) {
      throw new StoreUnreachable((error as Error).message);
    }
    if (text === null) return undefined;
    try {
      return (JSON.parse(text) as { completion?: StoredCompletion }).completion;
    } catch {
      return undefined;
    }
  }

  async put(entry: CacheEntry, completion: StoredCompletion): Promise<void> {
    if (!this.redis.available) {
      await this.#local.put(entry, completion);
      return;
    }
    this.#longestTtlMs = Math.max(this.#longestTtlMs, entry.expiresAt - entry.createdAt);
    const message: ReplicaMessage = { op: 'put', id: entry.id, entry: entryToJson(entry), from: this.#self };
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
    for (let start = 0; start < ids.length && this.redis.available; start += DELETE_BATCH) {
      const batch = ids.slice(start, start + DELETE_BATCH);
      try {
        await this.redis.client
          .multi()
          .del(...batch.map((id) => this.#docKey(id)))
          .zrem(this.#ids, ...batch)
          .exec();
      } catch {
        // Redis expires them itself; a replica catching up skips the invalidated ones.
      }
    }
  }

  /**
   * Tells the other replicas, and those that catch up later, to drop the entries matching
   * `filter` made before `at` (they are dropped here by the caller). While Redis is down the
   * invalidation is queued and sent when it returns; this throws {@link ReplicasNotTold} then, so
   * that whoever asked learns that the other replicas hold those entries until then.
   */
  async publishInvalidation(filter: InvalidationFilter, at: number): Promise<void> {
    this.#queue({ filter, at });
    if (!this.redis.available) throw new ReplicasNotTold(`${this.redis.label} is unavailable`);
    try {
      while (this.#unsent.length > 0) await this.#sendQueued();
    } catch (error) {
      throw new ReplicasNotTold((error as Error).message);
    }
  }

  /**
   * Queues an invalidation (sent again every {@link RESEND_MS} until Redis takes it: a Redis that
   * timed out without dropping the connection gives no sign when it answers again); past the bound,
   * the queue becomes one invalidation that drops everything.
   */
  #queue(record: InvalidationRecord): void {
    this.#unsent.push(record);
    if (this.#unsent.length > MAX_INVALIDATIONS)
      this.#unsent = [{ filter: {}, at: Math.max(...this.#unsent.map((r) => r.at)) }];
    this.#resend ??= setInterval(() => {
      if (this.#unsent.length === 0) {
        clearInterval(this.#resend);
        this.#resend = undefined;
      } else if (this.redis.available) this.#sendQueued().catch(() => {});
    }, RESEND_MS);
    this.#resend.unref();
  }

  /** Stops resending (shutdown); what is still queued is lost with the process. */
  close(): void {
    clearInterval(this.#resend);
    this.#resend = undefined;
  }

  /** Keeps and publishes the queued invalidations, oldest first, one sender at a time. */
  #sendQueued(): Promise<void> {
    this.#sending ??= this.#send().finally(() => {
      this.#sending = undefined;
    });
    return this.#sending;
  }

  /** Sends the queue; what Redis did not take stays queued. */
  async #send(): Promise<void> {
    while (this.#unsent.length > 0) {
      const record = this.#unsent[0] as InvalidationRecord;
      // Kept until every entry made before it has expired.
      const [, latest] = await this.redis.client.zrange(this.#ids, '-1', '-1', 'WITHSCORES');
      const keepUntil = Math.max(Number(latest ?? 0), record.at + this.#longestTtlMs) + CLOCK_SKEW_MS;
      const message: ReplicaMessage = {
        op: 'invalidate',
        filter: record.filter,
        at: record.at,
        from: this.#self,
      };
      const results = await this.redis.client
        .multi()
        .zadd(this.#invalidations, String(keepUntil), JSON.stringify({ ...record, n: randomUUID() }))
        .zremrangebyscore(this.#invalidations, '-inf', Date.now())
        .zremrangebyrank(this.#invalidations, 0, -(MAX_INVALIDATIONS + 1))
        .publish(this.#channel, JSON.stringify(message))
        .exec();
      const failed = results?.find(([error]) => error !== null);
      if (!results || failed) throw failed?.[0] ?? new Error('the transaction was discarded');
      this.#unsent.shift();
    }
  }

  /**
   * Sends the invalidations queued while Redis was down, then reads every live entry in Redis and
   * hands it to the listener, but those an invalidation kept in Redis was made after (they are
   * deleted). At start, and after every outage.
   */
  catchUp(): Promise<void> {
    this.#catchingUp ??= this.#catchUp().finally(() => {
      this.#catchingUp = undefined;
    });
    return this.#catchingUp;
  }

  async #catchUp(): Promise<void> {
    try {
      await this.#sendQueued();
      const now = Date.now();
      await this.redis.client.zremrangebyscore(this.#ids, '-inf', now);
      const invalidations = new InvalidationTimes();
      for (const text of await this.redis.client.zrangebyscore(this.#invalidations, now, '+inf')) {
        const record = parseRecord(text);
        if (record) invalidations.record(record.filter, record.at);
      }
      const ids = await this.redis.client.zrangebyscore(this.#ids, now, '+inf');
      const budget = new TurnBudget(TURN_MS);
      for (let start = 0; start < ids.length; start += CATCH_UP_BATCH) {
        const batch = ids.slice(start, start + CATCH_UP_BATCH);
        const texts = await this.redis.client.mget(...batch.map((id) => this.#docKey(id)));
        const invalidated: string[] = [];
        for (const text of texts) {
          const entry = text === null ? undefined : this.#entryOf(text);
          if (!entry) continue;
          if (invalidations.covers(entry)) invalidated.push(entry.id);
          else this.listener.added(entry);
          // Each entry taken may be an HNSW insert: requests go on between a few milliseconds of them.
          await budget.spent();
        }
        if (invalidated.length > 0) await this.delete(invalidated);
      }
    } catch {
      // Redis went away again: the next return catches up.
    }
  }

  /** The live entry of a document; undefined when it is expired, not ours or damaged. */
  #entryOf(text: string): CacheEntry | undefined {
    try {
      const entry = entryFromJson((JSON.parse(text) as { entry?: unknown }).entry);
      return entry && entry.expiresAt > Date.now() ? entry : undefined;
    } catch {
      return undefined;
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
      await this.listener.invalidated(
        message.filter,
        typeof message.at === 'number' ? message.at : Date.now(),
      );
    } else if (message.op === 'put' && message.entry !== undefined) {
      const entry = entryFromJson(message.entry);
      if (entry && entry.expiresAt > Date.now()) this.listener.added(entry);
    } else if (message.op === 'put' && typeof message.id === 'string') {
      const doc = await this.redis.client.get(this.#docKey(message.id)).catch(() => null);
      const entry = doc === null ? undefined : this.#entryOf(doc);
      if (entry) this.listener.added(entry);
    }
  }
}
