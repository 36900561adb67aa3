import type { z } from 'zod';
import type { Embedder } from '../models/embedder.ts';
import type { ModelHandle, ModelLibrary } from '../models/model-library.ts';
import type { RouterRequest } from '../request/router-request.ts';

/**
 * What one signal found in one request. `confidence` is in [0, 1] (the runner clamps it);
 * `evidence` says in a few words why (e.g. the keywords that matched) and is shown by `explain`
 * and in the `x-router-reason` header.
 */
export interface SignalResult {
  matched: boolean;
  confidence: number;
  evidence?: string[];
  /** A measured quantity, when the signal has one (e.g. the token count). */
  value?: number;
  /**
   * What the signal found and where, when it finds things in a text (e.g. PII entities): offsets into
   * the text of the signal's scope, never the text itself, so results stay safe to show and log.
   */
  spans?: SignalSpan[];
  /** Set by the runner when the signal failed or timed out; the result then never matches. */
  error?: string;
}

/**
 * A typed stretch of a scope's text: `[start, end)` in UTF-16 code units of `RouterRequest.text(scope)`,
 * with the detector's confidence in [0, 1].
 */
export interface SignalSpan {
  type: string;
  start: number;
  end: number;
  score: number;
}

/** A configured signal, ready to evaluate requests. Must be safe to call concurrently. */
export interface Signal {
  evaluate(request: RouterRequest): SignalResult | Promise<SignalResult>;
}

/** A signal of a compiled policy, as the runner sees it. */
export interface CompiledSignal {
  /** `type:name`, the key rules and results use. */
  key: string;
  type: string;
  signal: Signal;
  /** The signal waits on a model, so `signalTimeoutMs` bounds it (see `SignalDefinition`). */
  waitsOnModel: boolean;
  /** A guard decision's rule reads it: it is evaluated before the others. */
  readByGuard: boolean;
  /** Its cost is bounded whatever the prompt's size (see `SignalDefinition.cheap`). */
  cheap: boolean;
}

/**
 * How two signals of one type relate, for the policy analyser: `disjoint` (never both match),
 * `implies` (whenever the first matches the second does), or `unknown`.
 */
export type SignalRelation = 'disjoint' | 'implies' | 'unknown';

/**
 * What a signal factory may use besides its parameters. Models load asynchronously: a factory takes
 * handles (which start loading) and awaits them when it evaluates.
 */
export interface SignalContext {
  /** Loads each model file once per process; handles are shared across policy reloads. */
  readonly models: ModelLibrary;
  /** The policy's sentence encoder (its `encoder` section); asking for it starts its loading. */
  encoder(): ModelHandle<Embedder>;
  /** Resolves a path written in the policy (relative to the policy file's folder). */
  resolvePath(path: string): string;
}

/**
 * A signal type: its YAML parameters (a strict zod object; `type` and `name` are added by the policy
 * schema) and a factory. Factories run once per policy load, never per request.
 */
export interface SignalDefinition<Params extends Record<string, unknown> = Record<string, unknown>> {
  readonly type: string;
  readonly description: string;
  /**
   * The signal waits on a model (which runs off the event loop): the policy's `signalTimeoutMs`
   * bounds the wait. Other signals compute in JavaScript, bounded by the request's budget.
   */
  readonly waitsOnModel?: boolean;
  /**
   * The signal's cost does not grow with the prompt beyond a bound its parameters set (a header, a
   * token count up to a threshold): it runs before the signals that scan the whole prompt, so a
   * request whose budget runs short still has it.
   */
  readonly cheap?: boolean;
  readonly params: z.ZodObject;
  /** Cross-field checks the schema cannot express; returns a message per problem. */
  validate?(params: Params): string[];
  /**
   * Checks too slow to run while a policy compiles (e.g. analysing a regular expression); a policy
   * is served only once they have passed. Returns each problem, with where in the signal's
   * parameters it is (e.g. `['patterns', 2]`) when that is known.
   */
  vet?(params: Params): Promise<VetProblem[]>;
  create(params: Params, context: SignalContext): Signal;
  /** Optional: lets the analyser find decisions that can never match or never be reached. */
  relate?(a: Params, b: Params): SignalRelation;
  /**
   * Optional: the outcome of a signal with these parameters whatever the request (`true`: it always
   * matches, `false`: never), or undefined when it depends on the request. Such a signal is reported,
   * and the analyser uses its outcome.
   */
  constant?(params: Params): boolean | undefined;
}

/** A problem found by a signal type's `vet`: where in its parameters (when known), and what. */
export interface VetProblem {
  at?: (string | number)[];
  message: string;
}

/** Declares a signal type with typed parameters. */
export function defineSignal<Schema extends z.ZodObject>(definition: {
  type: string;
  description: string;
  waitsOnModel?: boolean;
  cheap?: boolean;
  params: Schema;
  validate?(params: z.infer<Schema>): string[];
  vet?(params: z.infer<Schema>): Promise<VetProblem[]>;
  create(params: z.infer<Schema>, context: SignalContext): Signal;
  relate?(a: z.infer<Schema>, b: z.infer<Schema>): SignalRelation;
  constant?(params: z.infer<Schema>): boolean | undefined;
}): SignalDefinition {
  return definition as unknown as SignalDefinition;
}

/** The key a signal's result is stored and referenced under in rules. */
export function signalKey(type: string, name: string): string {
  return `${type}:${name}`;
}
