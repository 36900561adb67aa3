import { z } from 'zod';
import { Headers } from '../headers.ts';
import type { RouterRequest } from '../request/router-request.ts';

/**
 * λ, the weight of cost against quality: a candidate scores its predicted quality (0..1) minus λ
 * times its predicted cost in USD per 1,000 requests like this one. λ = 0 picks the best model
 * whatever it costs; λ = 1 gives up 0.01 of quality (one answer in a hundred) to save $0.01 per
 * 1,000 requests; λ = 0.01, to save $1.
 */
export const CostWeightSchema = z
  .object({
    default: z.number().min(0).describe('λ when the request does not set one.'),
    min: z.number().min(0).default(0).describe('Lowest λ a request may ask for with `x-router-cost-weight`.'),
    max: z
      .number()
      .min(0)
      .default(100)
      .describe('Highest λ a request may ask for with `x-router-cost-weight`.'),
  })
  .strict()
  .describe(
    'λ: a candidate scores its predicted quality (0..1) minus λ × its predicted cost in USD per 1,000 requests. A request may set λ in the header `x-router-cost-weight`, within `min`..`max`.',
  );

export type CostWeight = z.infer<typeof CostWeightSchema>;

/** Checks that the bounds hold the default. */
export function costWeightProblems(weight: CostWeight): string[] {
  return weight.min <= weight.default && weight.default <= weight.max
    ? []
    : [`costWeight: default ${weight.default} must be within min ${weight.min} and max ${weight.max}`];
}

/** The λ of a request: its header's, clamped to the policy's bounds, or the default; and a note when the header was used or refused. */
export function requestCostWeight(
  request: RouterRequest,
  weight: CostWeight,
): { lambda: number; note?: string } {
  const raw = request.headers.get(Headers.costWeight);
  if (raw === undefined) return { lambda: weight.default };
  const asked = Number(raw.trim());
  if (raw.trim() === '' || !Number.isFinite(asked))
    return { lambda: weight.default, note: 'cost weight header ignored (not a number)' };
  const lambda = Math.min(weight.max, Math.max(weight.min, asked));
  return {
    lambda,
    note: lambda === asked ? 'cost weight from header' : `cost weight header clamped to ${lambda}`,
  };
}
