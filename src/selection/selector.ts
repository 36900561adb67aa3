import type { z } from 'zod';
import type { RouterRequest } from '../request/router-request.ts';
import type { ResponseObserver } from '../response/response-observer.ts';
import type { SignalContext, SignalResult } from '../signals/signal.ts';
import type { SharedRedis } from '../state/redis-connections.ts';
import type { ModelSpec } from './model-spec.ts';

/** The model chosen for a request and, when the choice was constrained or scored, why. */
export interface Selection {
  model: ModelSpec;
  /** Short notes for `x-router-reason` and `explain`, e.g. each candidate's score. */
  notes?: string[];
  /** Watches the response, e.g. to learn from its status, latency and cost. */
  observer?: ResponseObserver;
}

/** What a selector sees of one request: the request, the decision, its candidates after filters, the signals. */
export interface SelectionInput {
  readonly request: RouterRequest;
  readonly decision: string;
  /** The decision's models that may serve this request, in the policy's order; never empty. */
  readonly candidates: readonly ModelSpec[];
  readonly signals: ReadonlyMap<string, SignalResult>;
}

/** A configured selection method of one decision. Must be safe to call concurrently. */
export interface Selector {
  select(input: SelectionInput): Selection | Promise<Selection>;
}

/**
 * What a selector's factory may use besides its parameters: the decision it serves, and the
 * router's process-wide state, an owner for `Memo`s whose values outlive policy reloads (what a
 * learning selector has learnt is kept when the policy file changes).
 */
export interface SelectorContext {
  readonly decision: string;
  readonly processState: object;
  /** The policy's Redis (its `redis` block), when it names one and the router is connected; else undefined. */
  readonly redis: SharedRedis | undefined;
  /** Where models come from (a quality head, the policy's encoder), as signals get them. */
  readonly signalContext: SignalContext;
}

/**
 * A selection method: its YAML parameters (a strict zod object; `method` is added by the policy
 * schema) and a factory, run once per decision when a policy compiles.
 */
export interface SelectionDefinition<Params extends Record<string, unknown> = Record<string, unknown>> {
  readonly method: string;
  readonly description: string;
  readonly params: z.ZodObject;
  /** Cross-field checks the schema cannot express; returns a message per problem. */
  validate?(params: Params): string[];
  create(params: Params, context: SelectorContext): Selector;
}

/** Declares a selection method with typed parameters. */
export function defineSelection<Schema extends z.ZodObject>(definition: {
  method: string;
  description: string;
  params: Schema;
  validate?(params: z.infer<Schema>): string[];
  create(params: z.infer<Schema>, context: SelectorContext): Selector;
}): SelectionDefinition {
  return definition as unknown as SelectionDefinition;
}
