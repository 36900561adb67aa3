import { z } from 'zod';
import { defineSignal } from './signal.ts';

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
  description: 'The number of prompt tokens (a real BPE tokenizer) lies within [min, max].',
  params: Params,
  validate(params) {
    return params.max !== undefined && params.max < params.min
      ? [`max (${params.max}) is below min (${params.min})`]
      : [];
  },
  create(params) {
    const max = upper(params);
    return {
      evaluate(request) {
        const belowMin = params.min > 0 && request.promptTokensAtMost(params.min - 1);
        const aboveMax = !belowMin && max !== Number.POSITIVE_INFINITY && !request.promptTokensAtMost(max);
        const matched = !belowMin && !aboveMax;
        const tokens = request.countedPromptTokens();
        const evidence = [
          tokens !== undefined
            ? `${tokens} tokens`
            : belowMin
              ? `under ${params.min} tokens`
              : `over ${max} tokens`,
        ];
        return {
          matched,
          confidence: matched ? 1 : 0,
          evidence,
          ...(tokens !== undefined ? { value: tokens } : {}),
        };
      },
    };
  },
  relate(a, b) {
    if (upper(a) < b.min || upper(b) < a.min) return 'disjoint';
    if (a.min >= b.min && upper(a) <= upper(b)) return 'implies';
    return 'unknown';
  },
});
