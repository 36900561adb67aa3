import type { RouterRequest } from '../request/router-request.ts';
import type { EarlyResponse, ResponseObserver } from '../response/response-observer.ts';
import type { ModelSpec } from '../selection/model-spec.ts';
import type { SignalResult } from '../signals/signal.ts';

/** What a stage sees of a request once its decision is made. */
export interface StageInput {
  readonly request: RouterRequest;
  readonly decision: string;
  readonly signals: ReadonlyMap<string, SignalResult>;
  /** A digest of the decision's plugins and their settings (see `CompiledDecision.setup`). */
  readonly decisionSetup?: string;
  /**
   * A decision plugin found personal data in the request and acted on it (redacted it, or kept the
   * request to private models), whatever signals the policy has.
   */
  readonly personalData?: boolean;
}

/** A stage's early answer: the response, and why, in a few words for `x-router-reason`. */
export interface EarlyAnswer {
  response: EarlyResponse;
  reason: string;
}

/**
 * A stage of the route besides signals, decisions, plugins and selection, with two hooks, both run
 * once the model is chosen (after the decision's plugins, so a guard, a refusal or a redaction is
 * never skipped): `answer` may end the route with a complete response of that model (a cache hit;
 * the selector's observer is then dropped), and `observe`, when no stage answered, may watch the
 * response (to store it, or learn from it). Work a stage does per request follows the same rules as
 * a signal's: bounded by the request's budget, never throwing for a bad request.
 */
export interface RouteStage {
  readonly name: string;
  answer?(
    input: StageInput & { readonly model: ModelSpec },
  ): EarlyAnswer | undefined | Promise<EarlyAnswer | undefined>;
  observe?(input: StageInput & { readonly model: ModelSpec }): ResponseObserver | undefined;
  /**
   * Forgets what the stage keeps about the requests matching every given field (none: all), here and
   * in the router's other replicas; resolves to how many entries this replica dropped. For the
   * admin APIs (a cache's invalidation).
   */
  invalidate?(filter: StageInvalidation): Promise<number>;
  /**
   * What the stage would do with a request, for `explain`: a JSON-ready summary (a cache's partition,
   * nearest entries and verdicts). Must change nothing and count nothing.
   */
  explain?(input: StageInput & { readonly model: ModelSpec }): Promise<Record<string, unknown> | undefined>;
  /** Per-category figures of a stage that keeps entries (the cache), for the router's metrics. */
  cacheStats?(): readonly CacheCategoryStats[];
}

/** What a cache reports per category: counts since the process started, and what it holds now. */
export interface CacheCategoryStats {
  readonly category: string;
  readonly lookups: number;
  readonly exactHits: number;
  readonly semanticHits: number;
  readonly verifierRejections: number;
  /** Lookups that could not read the store (served as misses). */
  readonly storeErrors: number;
  readonly inserts: number;
  /** Complete answers that could not be stored (their request's embedding failed). */
  readonly insertFailures: number;
  /** Tokens, and USD at the model's prices, the hits' answers took to make. */
  readonly savedTokens: number;
  readonly savedUsd: number;
  readonly evictions: number;
  readonly expirations: number;
  /** Seconds spent in lookups, all together. */
  readonly lookupSeconds: number;
  readonly entries: number;
  readonly bytes: number;
}

/** What an invalidation names: a tenant (the identity headers' values), a category, a decision, a model. */
export interface StageInvalidation {
  readonly tenant?: string;
  readonly category?: string;
  readonly decision?: string;
  readonly model?: string;
}
