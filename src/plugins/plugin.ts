import type { z } from 'zod';
import type { RouterRequest } from '../request/router-request.ts';
import type { SignalSpan } from '../signals/signal.ts';

export type SystemPromptMode = 'replace' | 'prepend' | 'append' | 'insert-if-missing';

export const REASONING_EFFORTS = ['low', 'medium', 'high'] as const;
export type ReasoningEffort = (typeof REASONING_EFFORTS)[number];

/** What the chosen decision will do to the request, filled in by its plugins in order. */
export interface RoutePlan {
  /** Rewrite the system prompt of the forwarded body. */
  systemPrompt?: { text: string; mode: SystemPromptMode };
  /** Headers to set on the forwarded request. */
  requestHeaders: Map<string, string>;
  /** Answer the client directly instead of forwarding. */
  reject?: { status: number; message: string; code: string };
  /**
   * Stretches of message text to replace by `[TYPE]` in the forwarded body: by index into the body's
   * `messages`, spans with offsets into that message's text (`ChatMessage.text`), sorted, not overlapping.
   */
  redactions?: Map<number, SignalSpan[]>;
  /** Only models marked `private: true` may serve the request; selection picks among those. */
  privateOnly?: boolean;
  /**
   * Turn the model's reasoning ("thinking") on or off; the body rewrite spells it for the family of the
   * model finally selected (`reasoningFamily`), and leaves models without a family alone.
   */
  reasoning?: { enabled: boolean; effort: ReasoningEffort };
}

/**
 * A configured per-decision plugin. Runs after the decision is made; must not throw on valid input.
 * Work that grows with the request (scanning a long text) may pause on the request's budget, which
 * makes `apply` asynchronous.
 */
export interface DecisionPlugin {
  apply(plan: RoutePlan, request: RouterRequest): void | Promise<void>;
}

/** A plugin type: YAML parameters (strict zod object; `type` is added by the schema) and a factory. */
export interface PluginDefinition<Params extends Record<string, unknown> = Record<string, unknown>> {
  readonly type: string;
  readonly description: string;
  /**
   * The plugin stops or changes what reaches a model (a reject, a redaction): a decision that has
   * it is a guard, and the router never forwards a request the plugin could not act on, unless the
   * policy says `onGuardFailure: continue`.
   */
  readonly protects?: boolean;
  readonly params: z.ZodObject;
  validate?(params: Params): string[];
  create(params: Params): DecisionPlugin;
}

/** Declares a plugin type with typed parameters. */
export function definePlugin<Schema extends z.ZodObject>(definition: {
  type: string;
  description: string;
  protects?: boolean;
  params: Schema;
  validate?(params: z.infer<Schema>): string[];
  create(params: z.infer<Schema>): DecisionPlugin;
}): PluginDefinition {
  return definition as unknown as PluginDefinition;
}

export function emptyPlan(): RoutePlan {
  return { requestHeaders: new Map() };
}
