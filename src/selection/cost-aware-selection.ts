import { z } from 'zod';
import type { ResponseObserver } from '../response/response-observer.ts';
import { usageObserver } from '../response/usage-observer.ts';
import {
  type CandidateEstimate,
  CandidateEstimator,
  describeEstimate,
  QUALITY_PARAMS,
} from './candidate-estimates.ts';
import { fittingCandidates } from './candidate-fit.ts';
import { CostWeightSchema, costWeightProblems, requestCostWeight } from './cost-weight.ts';
import { type LearningHub, learningHub } from './learning-hub.ts';
import { defineSelection } from './selector.ts';

/** Candidates named in `x-router-reason` (the best-scoring first); the rest are counted. */
const NOTED_CANDIDATES = 5;

/** The index of the highest score (the first on a tie: the policy's order). */
export function best(scores: readonly number[]): number {
  let top = 0;
  for (let i = 1; i < scores.length; i++) if ((scores[i] as number) > (scores[top] as number)) top = i;
  return top;
}

/** The indices of the `count` highest scores, highest first (ties: the policy's order). */
function topIndices(scores: readonly number[], count: number): number[] {
  const chosen: number[] = [];
  const taken = new Uint8Array(scores.length);
  for (let n = 0; n < Math.min(count, scores.length); n++) {
    let top = -1;
    for (let i = 0; i < scores.length; i++)
      if (taken[i] === 0 && (top < 0 || (scores[i] as number) > (scores[top] as number))) top = i;
    taken[top] = 1;
    chosen.push(top);
  }
  return chosen;
}

/** Notes for the reason header: λ, then the best candidates' quality, cost and score, best first. */
export function scoreNotes(
  method: string,
  lambda: number,
  estimates: readonly CandidateEstimate[],
  scores: readonly number[],
  extra: (index: number) => string = () => '',
): string[] {
  const shown = topIndices(scores, NOTED_CANDIDATES).map((i) =>
    describeEstimate(estimates[i] as CandidateEstimate, scores[i] as number, extra(i)),
  );
  const more =
    scores.length > NOTED_CANDIDATES ? [`${scores.length - NOTED_CANDIDATES} more candidates`] : [];
  return [`${method} lambda ${lambda}`, ...shown, ...more];
}

/**
 * Watches a routed response for its token usage and its duration, so the expected output length of
 * the model (and so its predicted cost) and its expected latency follow what it really does. Only a
 * complete 2xx response counts.
 */
export function outputLengthObserver(hub: LearningHub, model: string): ResponseObserver {
  return usageObserver((usage, elapsedMs) => {
    hub.sawLatency(model, elapsedMs / 1000);
    if (usage) hub.sawOutputTokens(model, usage.completionTokens);
  });
}

const Params = z
  .object({
    ...QUALITY_PARAMS,
    costWeight: CostWeightSchema.default({ default: 1, min: 0, max: 100 }),
  })
  .strict();

/**
 * `cost-aware`: among the candidates that can serve the request (capabilities, context window),
 * the one with the highest predicted quality minus λ × predicted cost (see `CandidateEstimator` and
 * `CostWeightSchema`). Learns nothing from outcomes but the models' output lengths.
 */
export const costAwareSelection = defineSelection({
  method: 'cost-aware',
  description:
    "Scores each candidate that can serve the request (capabilities, context window) by its predicted quality for this prompt (the quality head, trained with `semantic-router train selection`, or the catalog's priors) minus λ × its predicted cost, and picks the best.",
  params: Params,
  validate: (params) => costWeightProblems(params.costWeight),
  create(params, context) {
    const hub = learningHub(context.processState);
    const estimator = new CandidateEstimator(params, context, hub);
    return {
      async select({ request, candidates, signals }) {
        const { models, notes } = await fittingCandidates(request, candidates);
        const { lambda, note } = requestCostWeight(request, params.costWeight);
        const estimates = await estimator.estimate(request, models, signals);
        const scores = estimates.map((e) => e.quality - lambda * e.cost - params.latencyWeight * e.latency);
        const chosen = (estimates[best(scores)] as CandidateEstimate).model;
        return {
          model: chosen,
          notes: [...notes, ...(note ? [note] : []), ...scoreNotes('cost-aware', lambda, estimates, scores)],
          observer: outputLengthObserver(hub, chosen.name),
        };
      },
    };
  },
});
