import { type CompiledRule, evaluateRule3, explainRule, unknownSignals } from './rule.ts';

/** What `decide` reads of a decision: its rule (none for the default) and whether it is a guard. */
export interface RuledDecision {
  readonly name: string;
  readonly rule: CompiledRule | undefined;
  readonly guard: boolean;
}

/** The decision that applies and the signal facts that made it apply (empty for the default). */
export interface DecisionMatch<D extends RuledDecision> {
  decision: D;
  because: string[];
  /**
   * A guard, in priority order before the decision that applies, whose rule could not be told (its
   * signals named here failed), when `onGuardFailure: continue` let the walk go on past it.
   */
  skippedGuards: { decision: D; signals: string[] }[];
}

/** A guard whose rule could not be told, so the request must not go on (`onGuardFailure: reject`). */
export interface UnresolvedGuard<D extends RuledDecision> {
  unresolved: D;
  /** The signals its rule reads that failed. */
  signals: string[];
}

/**
 * The first decision, in priority order, whose rule holds; otherwise `fallback` (the default). Rules
 * read failed signals as unknown: a decision whose rule is unknown does not apply, except that a
 * guard's unknown rule stops the walk (the request could be what it guards against) unless
 * `continueOnGuardFailure`.
 */
export function decide<D extends RuledDecision>(
  decisions: readonly D[],
  fallback: D,
  matched: readonly boolean[],
  unknown: readonly boolean[],
  continueOnGuardFailure: boolean,
): DecisionMatch<D> | UnresolvedGuard<D> {
  const skippedGuards: DecisionMatch<D>['skippedGuards'] = [];
  for (const decision of decisions) {
    if (!decision.rule) continue;
    const holds = evaluateRule3(decision.rule, matched, unknown);
    if (holds === true) {
      return { decision, because: explainRule(decision.rule, matched), skippedGuards };
    }
    if (holds === undefined && decision.guard) {
      const signals = unknownSignals(decision.rule, unknown);
      if (!continueOnGuardFailure) return { unresolved: decision, signals };
      skippedGuards.push({ decision, signals });
    }
  }
  return { decision: fallback, because: [], skippedGuards };
}
