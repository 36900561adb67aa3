import type { CompiledRule } from '../decision/rule.ts';
import type { DecisionPlugin } from '../plugins/plugin.ts';
import type { ModelSpec } from '../selection/model-spec.ts';
import type { Selector } from '../selection/selector.ts';
import type { CompiledSignal } from '../signals/signal.ts';
import type { SignalOrder } from '../signals/signal-runner.ts';
import type { RouteStage } from '../stages/route-stage.ts';
import type { SharedRedis } from '../state/redis-connections.ts';
import type { PolicyIssue } from './policy-error.ts';
import type { Policy, PolicySettings } from './schema.ts';

export interface CompiledDecision {
  name: string;
  /** What the policy says the decision is for; `explain` shows it beside the decision's name. */
  description?: string;
  priority: number;
  /** Undefined for the default decision, which applies when nothing else matches. */
  rule: CompiledRule | undefined;
  candidates: ModelSpec[];
  plugins: CompiledPlugin[];
  /**
   * A digest of what the decision does to a request before it is forwarded (its plugins and their
   * settings): a cache keeps answers made under other settings apart.
   */
  setup: string;
  /** Chooses among the candidates that may serve a request (the decision's `selection`). */
  selector: Selector;
  /**
   * The decision protects (it has a `reject` or `pii` plugin, or the policy says `guard: true`): when
   * it cannot be evaluated, or one of its plugins fails, the request is refused unless
   * `settings.onGuardFailure` is `continue`.
   */
  guard: boolean;
}

/** A decision's plugin and what its type declares. */
export interface CompiledPlugin {
  type: string;
  plugin: DecisionPlugin;
  /** Skipping it would let something through that the policy meant to stop or change. */
  protects: boolean;
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
  /** The order the signals run in (see `runSignals`). */
  readonly signalOrder: SignalOrder;
  /** The stages the policy configures, in the registry's order (see `RouteStage`). */
  readonly stages: readonly RouteStage[];
  /** The Redis the policy's `redis` block names, when the router connected to it. */
  readonly redis: SharedRedis | undefined;
  /** Sorted by priority (highest first), file order among equals. */
  readonly decisions: readonly CompiledDecision[];
  readonly defaultDecision: CompiledDecision;
  readonly chatPaths: ReadonlySet<string>;
  /** `GET` on these paths is answered by the router with the models a client may name. */
  readonly modelsPaths: ReadonlySet<string>;
  /** When the policy was compiled (ms since the epoch); the `created` of the models list. */
  readonly loadedAt: number;
  readonly virtualModels: ReadonlySet<string>;
  /** Some decision (the default one included) is a guard. */
  readonly hasGuards: boolean;
  /** Warnings found while compiling (errors prevent a RuntimePolicy from being built). */
  readonly warnings: readonly PolicyIssue[];
  /**
   * Errors from checks too slow to run while compiling (e.g. regular expression analysis), started
   * when the policy compiled; a policy is served only when this resolves to no errors.
   */
  readonly vetting: Promise<readonly PolicyIssue[]>;
}
