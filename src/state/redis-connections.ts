import { Redis, type RedisOptions } from 'ioredis';
import { type RedisSettings, redactedUrl, redisUrl } from './redis-settings.ts';

/** What the router is told about a Redis: each outage once when it starts, and once when it ends. */
export interface RedisEvents {
  unavailable(url: string, reason: string): void;
  restored(url: string): void;
}

/**
 * One Redis, shared by everything that keeps state in it (the cache, learned selection). Commands
 * never wait for a Redis that is down: they fail at once (no offline queue), and a command that
 * gets no answer fails after `commandTimeoutMs`; callers then go on without Redis.
 */
export interface SharedRedis {
  /** The URL with any password hidden, for logs and explanations. */
  readonly label: string;
  /** The command connection. */
  readonly client: Redis;
  /** `keyPrefix` + `name`: every key and channel the router uses goes through this. */
  key(name: string): string;
  /** Redis answered the last connection attempt and has not dropped since. */
  readonly available: boolean;
  /**
   * A connection for SUBSCRIBE, opened on first use. Subscriptions made while Redis is down are
   * made when it returns, and renewed after every reconnection.
   */
  subscriber(): Redis;
  /** Calls `listener` on every change of `available`; returns the unsubscribe. */
  onAvailability(listener: (available: boolean) => void): () => void;
}

/** Reconnection delays: 100 ms doubling up to 5 s, forever. */
const retryDelay = (attempt: number) => Math.min(100 * 2 ** Math.min(attempt, 6), 5000);

class RedisConnection implements SharedRedis {
  readonly label: string;
  readonly client: Redis;
  #subscriber: Redis | undefined;
  #available: boolean | undefined;
  #closed = false;
  readonly #listeners = new Set<(available: boolean) => void>();

  constructor(
    url: string,
    private readonly settings: RedisSettings,
    private readonly events: RedisEvents,
  ) {
    this.label = redactedUrl(url);
    this.client = new Redis(url, this.options(false));
    this.client.on('ready', () => this.#setAvailable(true));
    this.client.on('error', (error: Error) => this.#setAvailable(false, error.message));
    this.client.on('close', () => this.#setAvailable(false, 'connection closed'));
  }

  get available(): boolean {
    return this.#available === true;
  }

  key(name: string): string {
    return this.settings.keyPrefix + name;
  }

  subscriber(): Redis {
    if (!this.#subscriber) {
      this.#subscriber = this.client.duplicate(this.options(true));
      // Its outages are the command connection's: counted there, not twice.
      this.#subscriber.on('error', () => {});
    }
    return this.#subscriber;
  }

  onAvailability(listener: (available: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    const connections = [this.client, this.#subscriber].filter((c): c is Redis => c !== undefined);
    this.#closed = true;
    this.#available = false;
    this.#listeners.clear();
    await Promise.all(
      connections.map((connection) =>
        connection.status === 'ready'
          ? connection.quit().catch(() => connection.disconnect())
          : connection.disconnect(),
      ),
    );
  }

  private options(queueWhileDown: boolean) {
    return {
      connectTimeout: this.settings.connectTimeoutMs,
      commandTimeout: this.settings.commandTimeoutMs,
      enableOfflineQueue: queueWhileDown,
      maxRetriesPerRequest: queueWhileDown ? null : 0,
      retryStrategy: retryDelay,
      // The ready check waits for a loading Redis; commands fail meanwhile, as when it is down.
      enableReadyCheck: true,
    } satisfies RedisOptions;
  }

  #setAvailable(available: boolean, reason = ''): void {
    if (this.#closed || this.#available === available) return;
    const wasDown = this.#available === false;
    this.#available = available;
    if (available) {
      if (wasDown) this.events.restored(this.label);
    } else {
      this.events.unavailable(this.label, reason);
    }
    for (const listener of this.#listeners) listener(available);
  }
}

/**
 * The router's Redis connections, one per distinct `redis` block, kept across policy reloads (a
 * reload that names the same Redis keeps its connection and what depends on it).
 */
export class RedisConnections {
  readonly #connections = new Map<string, RedisConnection>();

  constructor(
    private readonly events: RedisEvents,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  /** The connection for `settings`, opened on first use; throws when the URL cannot be had. */
  connect(settings: RedisSettings): SharedRedis {
    const url = redisUrl(settings, this.env);
    const id = JSON.stringify([
      url,
      settings.keyPrefix,
      settings.connectTimeoutMs,
      settings.commandTimeoutMs,
    ]);
    let connection = this.#connections.get(id);
    if (!connection) {
      connection = new RedisConnection(url, settings, this.events);
      this.#connections.set(id, connection);
    }
    return connection;
  }

  /** Closes every connection but `kept` (the one the policy now served uses, if any). */
  async closeAllBut(kept: SharedRedis | undefined): Promise<void> {
    const closing: Promise<void>[] = [];
    for (const [id, connection] of this.#connections) {
      if (connection === kept) continue;
      this.#connections.delete(id);
      closing.push(connection.close());
    }
    await Promise.all(closing);
  }

  async close(): Promise<void> {
    await this.closeAllBut(undefined);
  }
}
