import type { SharedRedis } from '../state/redis-connections.ts';
import { type ArmStats, addOutcome, addStats } from './linear-arm.ts';

/**
 * Adds a delta vector (JSON array, ARGV[1]) into the vector stored at a key, atomically, and returns
 * the new total. A key Redis lost (restarted empty) starts from ARGV[2] when it is not empty: the
 * total the caller last read, so what replicas learnt outlives Redis too; the first replica to
 * notice restores it, the others then find it.
 */
const SYNC_SCRIPT = `
local current = redis.call('GET', KEYS[1])
local delta = cjson.decode(ARGV[1])
local total = {}
local changed = false
if current then
  total = cjson.decode(current)
elseif ARGV[2] ~= '' then
  total = cjson.decode(ARGV[2])
  changed = true
end
if #total ~= #delta and #total > 0 then return current end
for i = 1, #delta do
  if delta[i] ~= 0 then changed = true end
  total[i] = (total[i] or 0) + delta[i]
end
if not changed then return current end
local encoded = cjson.encode(total)
redis.call('SET', KEYS[1], encoded)
return encoded
`;

interface Arm {
  /** What Redis held at the last sync (zeros in memory mode). */
  base: Float64Array;
  /** What this process learnt since. */
  delta: Float64Array;
  /** base + delta, recomputed when either changes. */
  total: Float64Array | undefined;
  /** Bumped on every change, so readers can cache what they derive from `total`. */
  version: number;
}

type SyncCommand = (key: string, delta: string, lastRead: string) => Promise<string | null>;

/**
 * What the bandits have learnt: each arm's statistics (see `ArmStats`), in memory, and in Redis when
 * the policy names one. With Redis, each process adds its outcomes locally at once (its choices use
 * them immediately) and, every `syncMs`, adds its unsent deltas into the shared totals (one atomic
 * script per arm) and reads back every arm's total, so replicas learn from each other's feedback
 * and a restarted router starts from what was learnt. While Redis is down nothing is sent or lost:
 * deltas keep accumulating and are sent when it returns; a Redis that returns empty (no
 * persistence) gets back the totals the replicas last read, plus what they learnt meanwhile. (To
 * forget what was learnt, change the `redis.keyPrefix` or delete the keys with every replica
 * stopped.)
 */
export class ArmStore {
  readonly #arms = new Map<string, Arm>();
  readonly #timer: NodeJS.Timeout | undefined;
  #syncing: Promise<void> | undefined;

  constructor(
    private readonly redis: SharedRedis | undefined,
    syncMs = 1000,
  ) {
    if (redis) {
      if (!('syncArmStats' in redis.client))
        redis.client.defineCommand('syncArmStats', { numberOfKeys: 1, lua: SYNC_SCRIPT });
      this.#timer = setInterval(() => void this.sync(), syncMs);
      this.#timer.unref();
    }
  }

  /** The arm's statistics (all it and, with Redis, every replica has learnt); zeros for a new arm. */
  stats(key: string, length: number): { stats: ArmStats; version: number } {
    const arm = this.#arm(key, length);
    if (!arm.total) {
      arm.total = arm.base.slice();
      addStats(arm.total, arm.delta);
    }
    return { stats: arm.total, version: arm.version };
  }

  /** Bumped whenever the arm's statistics change (cheap: for readers that cache what they derive). */
  version(key: string, length: number): number {
    return this.#arm(key, length).version;
  }

  /** Adds one outcome to an arm. */
  add(key: string, length: number, x: ArrayLike<number>, reward: number): void {
    const arm = this.#arm(key, length);
    addOutcome(arm.delta, x, reward);
    arm.total = undefined;
    arm.version++;
  }

  /** Sends unsent deltas and reads every arm's shared total (no-op without Redis or while it is down). */
  sync(): Promise<void> {
    this.#syncing ??= this.#sync().finally(() => {
      this.#syncing = undefined;
    });
    return this.#syncing;
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
  }

  /** Reads an arm from Redis now (e.g. when a selector first meets it after a restart). */
  #arm(key: string, length: number): Arm {
    let arm = this.#arms.get(key);
    if (!arm || arm.base.length !== length) {
      arm = { base: new Float64Array(length), delta: new Float64Array(length), total: undefined, version: 0 };
      this.#arms.set(key, arm);
      if (this.redis?.available) void this.sync();
    }
    return arm;
  }

  async #sync(): Promise<void> {
    const redis = this.redis;
    if (!redis?.available || this.#arms.size === 0) return;
    const pipeline = redis.client.pipeline();
    const sent: [string, Arm, Float64Array | undefined][] = [];
    for (const [key, arm] of this.#arms) {
      const sending = (arm.delta[0] as number) > 0;
      const delta = arm.delta.slice();
      arm.delta.fill(0);
      (pipeline as unknown as { syncArmStats: SyncCommand }).syncArmStats(
        redis.key(`bandit:${key}`),
        JSON.stringify(Array.from(delta)),
        (arm.base[0] as number) > 0 ? JSON.stringify(Array.from(arm.base)) : '',
      );
      sent.push([key, arm, sending ? delta : undefined]);
    }
    let results: [Error | null, unknown][] | null;
    try {
      results = await pipeline.exec();
    } catch {
      results = null;
    }
    sent.forEach(([, arm, delta], i) => {
      const [error, value] = results?.[i] ?? [new Error('no reply'), null];
      if (error) {
        if (delta) addStats(arm.delta, delta); // not sent: keep it for the next sync
        return;
      }
      const total = typeof value === 'string' ? parseStats(value, arm.base.length) : undefined;
      if (total) arm.base = total;
      else if (value === null && delta === undefined) arm.base.fill(0);
      arm.total = undefined;
      arm.version++;
    });
  }
}

function parseStats(text: string, length: number): Float64Array | undefined {
  try {
    const values = JSON.parse(text) as unknown;
    if (!Array.isArray(values) || values.length !== length) return undefined;
    return Float64Array.from(values, Number);
  } catch {
    return undefined;
  }
}
