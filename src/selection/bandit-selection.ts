import { z } from 'zod';
import { isDryRun } from '../request/dry-run.ts';
import type { ResponseObserver } from '../response/response-observer.ts';
import { type CandidateEstimate, CandidateEstimator, QUALITY_PARAMS } from './candidate-estimates.ts';
import { fittingCandidates } from './candidate-fit.ts';
import { best, outputLengthObserver, scoreNotes } from './cost-aware-selection.ts';
import { CostWeightSchema, costWeightProblems, requestCostWeight } from './cost-weight.ts';
import { type LearningHub, learningHub } from './learning-hub.ts';
import { armStatsLength, posterior, predictWithWidth } from './linear-arm.ts';
import { defineSelection } from './selector.ts';

/** Random projections of the request embedding among a choice's features. */
const PROJECTIONS = 6;
/** Features: a bias, the predicted quality, the projections. */
export const BANDIT_FEATURES = 2 + PROJECTIONS;
/** The prior's weights: predict the estimated quality (bias 0, quality 1, projections 0). */
const PRIOR = Float64Array.from({ length: BANDIT_FEATURES }, (_, i) => (i === 1 ? 1 : 0));

/** ±1 by a hash of (projection, dimension): a fixed random projection every replica computes alike. */
function sign(j: number, i: number): number {
  let h = Math.imul(j + 1, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 13;
  return h & 1 ? 1 : -1;
}

/** The projection's signs by encoder width, computed once. */
const SIGNS = new Map<number, Int8Array>();

/**
 * The {@link PROJECTIONS} fixed random projections of a request's sentence vector (zeros without
 * one): what the offline estimate may have missed about this kind of prompt. The same for every
 * replica and release with the same encoder; computed once per request, shared by the candidates.
 */
export function promptProjections(embedding: Float32Array | undefined): number[] {
  const z = new Array<number>(PROJECTIONS).fill(0);
  if (!embedding) return z;
  let signs = SIGNS.get(embedding.length);
  if (!signs) {
    signs = new Int8Array(PROJECTIONS * embedding.length);
    for (let j = 0; j < PROJECTIONS; j++)
      for (let i = 0; i < embedding.length; i++) signs[j * embedding.length + i] = sign(j, i);
    SIGNS.set(embedding.length, signs);
  }
  for (let j = 0; j < PROJECTIONS; j++) {
    let sum = 0;
    const row = j * embedding.length;
    for (let i = 0; i < embedding.length; i++) sum += (signs[row + i] as number) * (embedding[i] as number);
    z[j] = sum;
  }
  return z;
}

/** A choice's features: 1, the candidate's estimated quality, and the request's projections. */
export function banditFeatures(quality: number, projections: readonly number[]): number[] {
  return [1, quality, ...projections];
}

/** The arms of one decision's bandit: a linear model of each candidate's quality, with its statistics in the hub's store. */
export class DecisionBandit {
  /** Per model: its arm's key and the posterior last derived from its statistics. */
  readonly #arms = new Map<
    string,
    { key: string; version: number; post: ReturnType<typeof posterior> | undefined; outcomes: number }
  >();

  constructor(
    private readonly decision: string,
    private readonly store: ReturnType<LearningHub['store']>,
    private readonly priorWeight: number,
  ) {}

  #arm(model: string) {
    let arm = this.#arms.get(model);
    if (!arm) {
      arm = {
        key: `${this.decision}:${model}:d${BANDIT_FEATURES}`,
        version: -1,
        post: undefined,
        outcomes: 0,
      };
      this.#arms.set(model, arm);
    }
    return arm;
  }

  /** The arm's predicted quality for these features and the width of its confidence band. */
  predict(model: string, x: readonly number[]): { mean: number; width: number; outcomes: number } {
    const arm = this.#arm(model);
    const length = armStatsLength(BANDIT_FEATURES);
    const version = this.store.version(arm.key, length);
    if (arm.post === undefined || arm.version !== version) {
      const { stats } = this.store.stats(arm.key, length);
      arm.post = posterior(stats, BANDIT_FEATURES, this.priorWeight, PRIOR);
      arm.version = version;
      arm.outcomes = stats[0] as number;
    }
    const { mean, width } = predictWithWidth(arm.post, x);
    return { mean, width, outcomes: arm.outcomes };
  }

  learn(model: string, features: readonly number[], quality: number): void {
    if (features.length !== BANDIT_FEATURES) return;
    this.store.add(this.#arm(model).key, armStatsLength(BANDIT_FEATURES), features, quality);
  }
}

/** A standard normal draw (Box-Muller) from a uniform source. */
export function standardNormal(random: () => number): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/**
 * What a candidate's uncertainty adds to its score: α × its band's width (LinUCB), or α × the width
 * × a standard normal draw (linear Thompson sampling: the predicted quality at this request drawn
 * from the arm's posterior).
 */
export function explorationBonus(
  settings: { exploration: number; sampling?: 'upper-bound' | 'thompson' },
  width: number,
  random: () => number,
): number {
  const scale = settings.sampling === 'thompson' ? standardNormal(random) : 1;
  return settings.exploration * width * scale;
}

/** Learns that a response failed (a 5xx) as an outcome of quality 0; otherwise waits for the client's. */
function failureObserver(hub: LearningHub, id: string): ResponseObserver {
  let failed = false;
  return {
    readsBody: false,
    started(response) {
      failed = response.status >= 500;
    },
    ended() {
      if (failed) void hub.report(id, { score: 0 });
    },
  };
}

const Params = z
  .object({
    ...QUALITY_PARAMS,
    costWeight: CostWeightSchema.default({ default: 1, min: 0, max: 100 }),
    exploration: z
      .number()
      .min(0)
      .default(0.05)
      .describe(
        "α: how far a candidate's predicted quality may be raised by its uncertainty: α × the width of its confidence band with `upper-bound`, α × that width × a standard normal draw with `thompson` (0: no exploration).",
      ),
    sampling: z
      .enum(['upper-bound', 'thompson'])
      .default('upper-bound')
      .describe(
        '`upper-bound`: LinUCB, each candidate scored at the top of its confidence band (deterministic: the same request gets the same pick until an outcome changes it); `thompson`: linear Thompson sampling, each candidate scored at a draw from its posterior (random: uncertain candidates are tried in proportion to their chance of being best).',
      ),
    priorWeight: z
      .number()
      .positive()
      .default(40)
      .describe(
        'How many outcomes the warm start (the quality estimate) is worth: more makes the bandit trust it longer.',
      ),
  })
  .strict();

/**
 * `bandit`: a contextual bandit (LinUCB, one linear arm per candidate) over the features of
 * {@link banditFeatures}, warm-started on the quality estimate of `cost-aware` (an arm without
 * outcomes predicts exactly that), learning from each reported outcome (by request id) and from
 * failed responses. A candidate scores its arm's predicted quality plus α × its uncertainty minus
 * λ × its predicted cost. What it learns is kept per process across reloads, and shared through
 * the policy's Redis when it has one.
 */
export const banditSelection = defineSelection({
  method: 'bandit',
  description:
    "A contextual bandit (LinUCB) over the request's sentence vector and each candidate's predicted quality, warm-started on the quality head or the catalog's priors, learning online from outcomes reported by request id (`x-router-request-id`) and from failed responses; picks the highest predicted quality plus exploration minus λ × predicted cost. Shared by replicas through the policy's `redis`.",
  params: Params,
  validate: (params) => costWeightProblems(params.costWeight),
  create(params, context) {
    const hub = learningHub(context.processState);
    const estimator = new CandidateEstimator(params, context, hub);
    const bandit = new DecisionBandit(context.decision, hub.store(context.redis), params.priorWeight);
    // Registered on first use, not at compile: a policy that fails to load (or is never served)
    // must not take the decision's outcomes or point pending choices at its Redis.
    let registered = false;
    return {
      async select({ request, candidates, signals }) {
        if (!registered) {
          hub.register(context.decision, bandit, context.redis);
          registered = true;
        }
        const { models, notes } = await fittingCandidates(request, candidates);
        const { lambda, note } = requestCostWeight(request, params.costWeight);
        const estimates = await estimator.estimate(request, models, signals);
        const projections = promptProjections(await estimator.embedding(request));
        const features = estimates.map((e) => banditFeatures(e.quality, projections));
        const predictions = estimates.map((e, i) => bandit.predict(e.model.name, features[i] as number[]));
        const learnt = estimates.map((e, i) => ({
          ...e,
          quality: (predictions[i] as { mean: number }).mean,
        }));
        const scores = learnt.map(
          (e, i) =>
            e.quality +
            explorationBonus(params, (predictions[i] as { width: number }).width, Math.random) -
            lambda * e.cost -
            params.latencyWeight * e.latency,
        );
        const index = best(scores);
        const chosen = (estimates[index] as CandidateEstimate).model;
        const choice = {
          decision: context.decision,
          model: chosen.name,
          features: features[index] as number[],
        };
        const extras = (i: number) => {
          const p = predictions[i] as { width: number; outcomes: number };
          return ` +-${(params.exploration * p.width).toFixed(3)} (${p.outcomes} outcomes)`;
        };
        const outputs = outputLengthObserver(hub, chosen.name);
        const failures = failureObserver(hub, request.id);
        return {
          model: chosen,
          notes: [...notes, ...(note ? [note] : []), ...scoreNotes('bandit', lambda, learnt, scores, extras)],
          observer: {
            readsBody: true,
            // The choice awaits its outcome once the model answers: a request answered otherwise (a
            // cache hit, a local reply) or only explained teaches nothing about the model.
            started(response) {
              if (!isDryRun(request)) hub.pending.remember(request.id, choice);
              outputs.started?.(response);
              failures.started?.(response);
            },
            body(piece) {
              outputs.body?.(piece);
            },
            ended(end) {
              outputs.ended?.(end);
              failures.ended?.(end);
            },
          },
        };
      },
    };
  },
});
