import type { PluginDefinition } from '../plugins/plugin.ts';
import type { SelectionDefinition } from '../selection/selector.ts';
import type { SignalDefinition } from '../signals/signal.ts';

/**
 * The signal types, plugin types and selection methods a policy may use. Built as literal lists in
 * `registry.ts`; tests pass their own.
 */
export interface Registry {
  readonly signals: readonly SignalDefinition[];
  readonly plugins: readonly PluginDefinition[];
  readonly selections: readonly SelectionDefinition[];
}
