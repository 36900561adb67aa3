import type { CompiledDecision, RuntimePolicy } from '../policy/runtime-policy.ts';
import { evaluateRule, explainRule } from './rule.ts';

/** The decision that applies and the signal facts that made it apply (empty for the default). */
export interface DecisionMatch {
  decision: CompiledDecision;
  because: string[];
}

/** The first decision, in priority order, whose rule holds; otherwise the default decision. */
export function decide(policy: RuntimePolicy, matched: readonly boolean[]): DecisionMatch {
  for (const decision of policy.decisions) {
    if (decision.rule && evaluateRule(decision.rule, matched)) {
      return { decision, because: explainRule(decision.rule, matched) };
    }
  }
  return { decision: policy.defaultDecision, because: [] };
}
