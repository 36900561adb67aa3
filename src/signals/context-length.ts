import { z } from 'zod';
import type { RouterRequest } from '../request/router-request.ts';
import { defineSignal, type SignalResult } from './signal.ts';

const Params = z
  .object({
    min: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe('Matches when the prompt has at least this many tokens.'),
    max: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('Matches when the prompt has at most this many tokens (no upper bound when absent).'),
  })
  .strict();

type ContextLengthParams = z.infer<typeof Params>;

/** Prompts up to this many bytes are counted at once; longer ones pause on the request's budget. */
const SYNC_COUNT_BYTES = 64 * 1024;

function upper(params: ContextLengthParams): number {
  return params.max ?? Number.POSITIVE_INFINITY;
}

/**
 * The prompt's size in tokens (o200k_base BPE over every message plus the chat framing), within
 * `[min, max]`. Tokenizes only as far as the bounds need (a prompt whose bytes are under `min`
 * is not tokenized at all); the count, once known, is shared with model selection.
 */
export const contextLengthSignal = defineSignal({
  type: 'context-length',
  cheap: true,
  description: 'The number of prompt tokens (a real BPE tokenizer) lies within [min, max].',
  params: Params,
  validate(params) {
    return params.max !== undefined && params.max < params.min
      ? [`max (${params.max}) is below min (${params.min})`]
      : [];
  },
  create(params) {
    const max = upper(params);
    const verdict = (request: RouterRequest, belowMin: boolean, aboveMax: boolean): SignalResult => {
      const matched = !belowMin && !aboveMax;
      const tokens = request.tokens.exact;
      let evidence: string;
      if (tokens !== undefined) evidence = `${tokens} tokens`;
      else if (belowMin) evidence = `under ${params.min} tokens`;
      else if (aboveMax) evidence = `over ${max} tokens`;
      else
        evidence =
          max === Number.POSITIVE_INFINITY ? `at least ${params.min} tokens` : `${params.min}-${max} tokens`;
      return {
        matched,
        confidence: matched ? 1 : 0,
        evidence: [evidence],
        ...(tokens !== undefined ? { value: tokens } : {}),
      };
    };
    return {
      evaluate(request) {
        const { tokens, budget } = request;
        if (tokens.done || tokens.atMostFromBytes(SYNC_COUNT_BYTES)) {
          const belowMin = params.min > 0 && tokens.atMost(params.min - 1);
          const aboveMax = !belowMin && max !== Number.POSITIVE_INFINITY && !tokens.atMost(max);
          return verdict(request, belowMin, aboveMax);
        }
        return (async () => {
          const belowMin = params.min > 0 && (await tokens.atMostPausing(params.min - 1, budget));
          const aboveMax =
            !belowMin && max !== Number.POSITIVE_INFINITY && !(await tokens.atMostPausing(max, budget));
          return verdict(request, belowMin, aboveMax);
        })();
      },
    };
  },
  constant(params) {
    return params.min === 0 && params.max === undefined ? true : undefined;
  },
  relate(a, b) {
    if (upper(a) < b.min || upper(b) < a.min) return 'disjoint';
    if (a.min >= b.min && upper(a) <= upper(b)) return 'implies';
    return 'unknown';
  },
});
