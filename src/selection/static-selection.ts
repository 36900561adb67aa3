import type { ModelSpec } from '../policy/schema.ts';

/** The model chosen for a request and, when the choice was constrained, why. */
export interface Selection {
  model: ModelSpec;
  note?: string;
}

/** What selection needs to know about the prompt's size. */
export interface PromptSize {
  promptTokensAtMost(limit: number): boolean;
  promptTokens(): number;
}

/**
 * The first candidate whose context window holds the prompt. When none does, the candidate with
 * the largest window (the backend will then reject or truncate, as it would have anyway). The
 * prompt is tokenized only when its byte length does not already show that it fits.
 */
export function selectStatic(candidates: readonly ModelSpec[], prompt: PromptSize): Selection {
  const [first] = candidates;
  if (!first) throw new Error('a decision has no candidate models');
  const fitting = candidates.find(
    (m) => m.contextWindow === undefined || prompt.promptTokensAtMost(m.contextWindow),
  );
  if (fitting === first) return { model: first };
  const tokens = prompt.promptTokens();
  if (fitting) return { model: fitting, note: `${first.name} window < ${tokens} tokens` };
  const largest = candidates.reduce((a, b) => ((b.contextWindow ?? 0) > (a.contextWindow ?? 0) ? b : a));
  return { model: largest, note: `no candidate fits ${tokens} tokens` };
}
