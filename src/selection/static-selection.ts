import { z } from 'zod';
import type { RequestBudget } from '../request/request-budget.ts';
import type { ModelSpec } from './model-spec.ts';
import { defineSelection, type Selection } from './selector.ts';

/** What fitting a context window needs to know about the prompt's size. */
export interface PromptSize {
  atMostFromBytes(limit: number): boolean;
  atMostPausing(limit: number, budget: RequestBudget): Promise<boolean>;
}

/**
 * The first candidate whose context window holds the prompt. When none does, the candidate with
 * the largest window (the backend will then reject or truncate, as it would have anyway). The
 * prompt is tokenized only as far as the windows need, and not at all when its byte length shows
 * that it fits.
 */
export async function firstThatFits(
  candidates: readonly ModelSpec[],
  prompt: PromptSize,
  budget: RequestBudget,
): Promise<Selection> {
  const [first] = candidates;
  if (!first) throw new Error('a decision has no candidate models');
  let tooSmall: ModelSpec | undefined;
  for (const model of candidates) {
    const window = model.contextWindow;
    if (
      window === undefined ||
      prompt.atMostFromBytes(window) ||
      (await prompt.atMostPausing(window, budget))
    ) {
      return tooSmall
        ? { model, notes: [`${tooSmall.name} window < prompt (over ${tooSmall.contextWindow} tokens)`] }
        : { model };
    }
    tooSmall ??= model;
  }
  const largest = candidates.reduce((a, b) => ((b.contextWindow ?? 0) > (a.contextWindow ?? 0) ? b : a));
  return { model: largest, notes: [`no candidate fits the prompt (over ${largest.contextWindow} tokens)`] };
}

/** `static`: the decision's models in the order the policy lists them, the first that fits. */
export const staticSelection = defineSelection({
  method: 'static',
  description:
    'The first candidate, in the order the decision lists them, whose context window holds the prompt (the largest window when none does).',
  params: z.object({}).strict(),
  create() {
    return {
      select: ({ request, candidates }) => firstThatFits(candidates, request.tokens, request.budget),
    };
  },
});
