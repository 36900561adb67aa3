import type { PluginDefinition } from '../plugins/plugin.ts';
import type { SelectionDefinition } from '../selection/selector.ts';
import type { SignalDefinition } from '../signals/signal.ts';
import type { StageDefinition } from '../stages/stage-definition.ts';

/**
 * The signal types, plugin types, selection methods and stages a policy may use. Built as literal
 * lists in `registry.ts`; tests pass their own.
 */
export interface Registry {
  readonly signals: readonly SignalDefinition[];
  readonly plugins: readonly PluginDefinition[];
  readonly selections: readonly SelectionDefinition[];
  /** Optional stages, each configured by a top-level block of the policy (none ship yet). */
  readonly stages: readonly StageDefinition[];
}
