import type { SharedRedis } from '../state/redis-connections.ts';

/** What a learning selector chose for one request, kept until its outcome is reported. */
export interface PendingChoice {
  decision: string;
  model: string;
  /** The features the choice was scored on (what the outcome teaches the model's arm about). */
  features: number[];
}

/** How long choices wait for their outcome, and how many may wait at once. */
export interface PendingLimits {
  ttlMs: number;
  maxEntries: number;
}

export const DEFAULT_PENDING_LIMITS: PendingLimits = { ttlMs: 15 * 60_000, maxEntries: 100_000 };

/** What taking a request's choice found: the choice, an outcome already reported, or nothing. */
export type Taken = { kind: 'pending'; choice: PendingChoice } | { kind: 'duplicate' } | { kind: 'unknown' };

interface Entry {
  choice: PendingChoice;
  expires: number;
}

/**
 * Choices awaiting an outcome, by request id: at most `maxEntries` (the oldest are dropped first)
 * for at most `ttlMs` each, so memory stays bounded whatever clients do. Ids whose outcome was taken
 * are remembered as long (bounded alike), so a repeated report is a duplicate, not a second lesson.
 * With Redis, choices are also stored there (expiring alike), so an outcome reported to another
 * replica still finds its choice, and taking one is atomic across replicas (SET NX).
 */
export class PendingChoices {
  readonly #pending = new Map<string, Entry>();
  readonly #taken = new Map<string, number>();

  constructor(
    private readonly limits: PendingLimits = DEFAULT_PENDING_LIMITS,
    private redis: SharedRedis | undefined = undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** Uses (or stops using, with undefined) a Redis for choices from now on. */
  useRedis(redis: SharedRedis | undefined): void {
    this.redis = redis;
  }

  get size(): number {
    return this.#pending.size;
  }

  remember(id: string, choice: PendingChoice): void {
    const now = this.now();
    evict(this.#pending, now, this.limits.maxEntries - 1, (entry) => entry.expires);
    if (this.#pending.has(id) || this.#taken.has(id)) return; // a reused id teaches nothing twice
    this.#pending.set(id, { choice, expires: now + this.limits.ttlMs });
    const redis = this.redis;
    if (redis?.available)
      redis.client
        .set(redis.key(`pending:${id}`), JSON.stringify(choice), 'PX', this.limits.ttlMs)
        .catch(() => {});
  }

  /** Takes the choice of a request for its outcome: once per id, here or (with Redis) on any replica. */
  async take(id: string): Promise<Taken> {
    const now = this.now();
    evict(this.#taken, now, this.limits.maxEntries - 1, (expires) => expires);
    if (this.#taken.has(id)) return { kind: 'duplicate' };
    const local = this.#pending.get(id);
    let choice = local && local.expires > now ? local.choice : undefined;
    this.#pending.delete(id);
    const redis = this.redis;
    if (redis?.available) {
      try {
        if (!choice) {
          const stored = await redis.client.get(redis.key(`pending:${id}`));
          choice = stored === null ? undefined : parseChoice(stored);
        }
        if (choice) {
          const first = await redis.client.set(
            redis.key(`outcome:${id}`),
            '1',
            'PX',
            this.limits.ttlMs,
            'NX',
          );
          if (first === null) {
            this.#taken.set(id, now + this.limits.ttlMs);
            return { kind: 'duplicate' };
          }
          redis.client.del(redis.key(`pending:${id}`)).catch(() => {});
        }
      } catch {
        // Redis went down meanwhile: decide with what this replica knows.
      }
    }
    if (!choice) return { kind: 'unknown' };
    this.#taken.set(id, now + this.limits.ttlMs);
    return { kind: 'pending', choice };
  }
}

/** Drops expired entries from the front (oldest first) and the oldest beyond `keep`. */
function evict<V>(map: Map<string, V>, now: number, keep: number, expiry: (value: V) => number): void {
  for (const [key, value] of map) {
    if (map.size <= keep && expiry(value) > now) break;
    map.delete(key);
  }
}

function parseChoice(text: string): PendingChoice | undefined {
  try {
    const value = JSON.parse(text) as Partial<PendingChoice>;
    if (
      typeof value.decision !== 'string' ||
      typeof value.model !== 'string' ||
      !Array.isArray(value.features) ||
      !value.features.every((f) => typeof f === 'number')
    )
      return undefined;
    return { decision: value.decision, model: value.model, features: value.features };
  } catch {
    return undefined;
  }
}
