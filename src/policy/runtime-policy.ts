import type { CompiledRule } from '../decision/rule.ts';
import type { DecisionPlugin } from '../plugins/plugin.ts';
import type { Signal } from '../signals/signal.ts';
import type { PolicyIssue } from './policy-error.ts';
import type { ModelSpec, Policy, PolicySettings } from './schema.ts';

export interface CompiledSignal {
  /** `type:name`, the key rules and results use. */
  key: string;
  type: string;
  signal: Signal;
}

export interface CompiledDecision {
  name: string;
  priority: number;
  /** Undefined for the default decision, which applies when nothing else matches. */
  rule: CompiledRule | undefined;
  candidates: ModelSpec[];
  plugins: DecisionPlugin[];
}

/**
 * A policy ready to serve: every signal built, every rule compiled, decisions in evaluation order.
 * Immutable once built; hot reload swaps the whole object.
 */
export interface RuntimePolicy {
  readonly policy: Policy;
  readonly source: string;
  /** sha256 of the file text, shown by /readyz and logs to tell which policy served a request. */
  readonly digest: string;
  readonly settings: PolicySettings;
  readonly models: ReadonlyMap<string, ModelSpec>;
  readonly signals: readonly CompiledSignal[];
  /** Sorted by priority (highest first), file order among equals. */
  readonly decisions: readonly CompiledDecision[];
  readonly defaultDecision: CompiledDecision;
  readonly chatPaths: ReadonlySet<string>;
  readonly virtualModels: ReadonlySet<string>;
  /** Warnings found while compiling (errors prevent a RuntimePolicy from being built). */
  readonly warnings: readonly PolicyIssue[];
}
