import { Memo } from '../request/memo.ts';
import type { SharedRedis } from '../state/redis-connections.ts';
import { ArmStore } from './arm-store.ts';
import { PendingChoices } from './pending-choices.ts';

/** How well a request was served, as a client reports it: a score 0..1, thumbs up or down, or task success. */
export type ReportedOutcome = { score: number } | { thumbs: 'up' | 'down' } | { success: boolean };

/** What became of a reported outcome. */
export type OutcomeStatus = 'accepted' | 'duplicate' | 'unknown' | 'invalid';

/** The quality 0..1 an outcome stands for; undefined when it is not a valid outcome. */
export function outcomeQuality(outcome: unknown): number | undefined {
  if (typeof outcome !== 'object' || outcome === null) return undefined;
  const o = outcome as Record<string, unknown>;
  const given = ['score', 'thumbs', 'success'].filter((k) => o[k] !== undefined);
  if (given.length !== 1) return undefined;
  if (typeof o.score === 'number') return o.score >= 0 && o.score <= 1 ? o.score : undefined;
  if (o.thumbs === 'up' || o.thumbs === 'down') return o.thumbs === 'up' ? 1 : 0;
  if (typeof o.success === 'boolean') return o.success ? 1 : 0;
  return undefined;
}

/** Longest request id an outcome may name (ids are Envoy's UUIDs, or what a client sent as x-request-id). */
const MAX_ID_LENGTH = 256;

/** What learns from an outcome: a bandit of one decision. */
export interface OutcomeLearner {
  learn(model: string, features: readonly number[], quality: number): void;
}

/**
 * The router's learning, process-wide (kept across policy reloads): the choices awaiting an outcome,
 * the learners of the current policy by decision, each Redis's (or memory's) arm statistics, and the
 * output lengths each model was seen to write. Outcomes come from clients (by request id: the gRPC
 * feedback service and the admin HTTP port) and from the response phase (a failed response).
 */
export class LearningHub {
  readonly pending = new PendingChoices();
  readonly #learners = new Map<string, OutcomeLearner>();
  readonly #stores = new Map<SharedRedis | undefined, ArmStore>();
  readonly #outputTokens = new Map<string, number>();
  readonly #latency = new Map<string, number>();
  /** Outcomes taken, by status, since start (for tests). */
  readonly counts: Record<OutcomeStatus, number> = { accepted: 0, duplicate: 0, unknown: 0, invalid: 0 };
  /** Told of every outcome taken (the router counts them in `semantic_router_outcomes_total`). */
  onOutcome: ((status: OutcomeStatus) => void) | undefined;

  /** The arm statistics kept in `redis` (or in memory), one store per Redis for the process's life. */
  store(redis: SharedRedis | undefined): ArmStore {
    let store = this.#stores.get(redis);
    if (!store) {
      store = new ArmStore(redis);
      this.#stores.set(redis, store);
    }
    return store;
  }

  /** Registers the learner of a decision (the latest compiled policy's wins). */
  register(decision: string, learner: OutcomeLearner, redis: SharedRedis | undefined): void {
    this.#learners.set(decision, learner);
    this.pending.useRedis(redis);
  }

  /** Learns from the outcome of request `id`, once per id. */
  async report(id: string, outcome: unknown): Promise<OutcomeStatus> {
    const quality = outcomeQuality(outcome);
    const status =
      quality === undefined || id === '' || id.length > MAX_ID_LENGTH
        ? 'invalid'
        : await this.#learn(id, quality);
    this.counts[status]++;
    this.onOutcome?.(status);
    return status;
  }

  async #learn(id: string, quality: number): Promise<OutcomeStatus> {
    const taken = await this.pending.take(id);
    if (taken.kind !== 'pending') return taken.kind;
    const learner = this.#learners.get(taken.choice.decision);
    if (!learner) return 'unknown';
    learner.learn(taken.choice.model, taken.choice.features, quality);
    return 'accepted';
  }

  /** Output tokens a model is expected to write: a running average of what it was seen to write. */
  expectedOutputTokens(model: string): number | undefined {
    return this.#outputTokens.get(model);
  }

  /** Records the output tokens of one complete response of `model`. */
  sawOutputTokens(model: string, tokens: number): void {
    const previous = this.#outputTokens.get(model);
    this.#outputTokens.set(model, previous === undefined ? tokens : previous + 0.05 * (tokens - previous));
  }

  /** Seconds a model's complete responses take: a running average of what was seen. */
  expectedLatency(model: string): number | undefined {
    return this.#latency.get(model);
  }

  /** Records how long one complete response of `model` took, in seconds. */
  sawLatency(model: string, seconds: number): void {
    const previous = this.#latency.get(model);
    this.#latency.set(model, previous === undefined ? seconds : previous + 0.05 * (seconds - previous));
  }

  close(): void {
    for (const store of this.#stores.values()) store.close();
  }
}

const HUBS = new Memo<'hub', LearningHub>();

/** The process's learning hub (one per `processState`). */
export function learningHub(processState: object): LearningHub {
  return HUBS.of(processState, 'hub', () => new LearningHub());
}
