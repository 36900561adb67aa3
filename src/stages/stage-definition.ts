import type { z } from 'zod';
import type { SignalContext } from '../signals/signal.ts';
import type { SharedRedis } from '../state/redis-connections.ts';
import type { RouteStage } from './route-stage.ts';

/** What a stage's factory may use besides its parameters. */
export interface StageContext {
  /** The router's process-wide state: an owner for `Memo`s whose values outlive policy reloads. */
  readonly processState: object;
  /** The policy's Redis (its `redis` block), when it names one and the router is connected; else undefined. */
  readonly redis: SharedRedis | undefined;
  /** Resolves a path written in the policy (relative to the policy file's folder). */
  resolvePath(path: string): string;
  /** The policy's sentence encoder, the one signals use (asking for it starts its loading). */
  encoder: SignalContext['encoder'];
}

/**
 * A stage type: the top-level block of the policy that configures it (`key`, e.g. `cache`; no
 * block, no stage), its parameters (a strict zod object) and a factory, run once per policy load.
 */
export interface StageDefinition<Params extends Record<string, unknown> = Record<string, unknown>> {
  readonly key: string;
  readonly description: string;
  readonly params: z.ZodObject;
  /** Cross-field checks the schema cannot express; returns a message per problem. */
  validate?(params: Params): string[];
  create(params: Params, context: StageContext): RouteStage;
}

/** Declares a stage type with typed parameters. */
export function defineStage<Schema extends z.ZodObject>(definition: {
  key: string;
  description: string;
  params: Schema;
  validate?(params: z.infer<Schema>): string[];
  create(params: z.infer<Schema>, context: StageContext): RouteStage;
}): StageDefinition {
  return definition as unknown as StageDefinition;
}
