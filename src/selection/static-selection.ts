import type { ModelSpec } from '../policy/schema.ts';

/** The model chosen for a request and, when the choice was constrained, why. */
export interface Selection {
  model: ModelSpec;
  note?: string;
}

/**
 * The first candidate whose context window holds the prompt. When none does, the candidate with
 * the largest window (the backend will then reject or truncate, as it would have anyway).
 */
export function selectStatic(candidates: readonly ModelSpec[], promptTokens: () => number): Selection {
  const [first] = candidates;
  if (!first) throw new Error('a decision has no candidate models');
  if (candidates.every((m) => m.contextWindow === undefined)) return { model: first };
  const tokens = promptTokens();
  const fitting = candidates.find((m) => m.contextWindow === undefined || m.contextWindow >= tokens);
  if (fitting) {
    return fitting === first ? { model: fitting } : { model: fitting, note: `${first.name} window < ${tokens} tokens` };
  }
  const largest = candidates.reduce((a, b) => ((b.contextWindow ?? 0) > (a.contextWindow ?? 0) ? b : a));
  return { model: largest, note: `no candidate fits ${tokens} tokens` };
}
