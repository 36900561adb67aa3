import type { PluginDefinition } from '../plugins/plugin.ts';
import type { SignalDefinition } from '../signals/signal.ts';

/** The signal and plugin types a policy may use. Built as literal lists in `main.ts`; tests pass their own. */
export interface Registry {
  readonly signals: readonly SignalDefinition[];
  readonly plugins: readonly PluginDefinition[];
}
