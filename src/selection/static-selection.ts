import type { ModelSpec } from '../policy/schema.ts';
import type { RequestBudget } from '../request/request-budget.ts';

/** The model chosen for a request and, when the choice was constrained, why. */
export interface Selection {
  model: ModelSpec;
  note?: string;
}

/** What selection needs to know about the prompt's size: whether it fits a window of so many tokens. */
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
export async function selectStatic(
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
        ? { model, note: `${tooSmall.name} window < prompt (over ${tooSmall.contextWindow} tokens)` }
        : { model };
    }
    tooSmall ??= model;
  }
  const largest = candidates.reduce((a, b) => ((b.contextWindow ?? 0) > (a.contextWindow ?? 0) ? b : a));
  return { model: largest, note: `no candidate fits the prompt (over ${largest.contextWindow} tokens)` };
}
