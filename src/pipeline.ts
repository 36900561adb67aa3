import { decide } from './decision/decide.ts';
import { emptyPlan, type RoutePlan } from './plugins/plugin.ts';
import type { CompiledDecision, RuntimePolicy } from './policy/runtime-policy.ts';
import type { RouterRequest } from './request/router-request.ts';
import type { EarlyResponse, ResponseObserver } from './response/response-observer.ts';
import type { ModelSpec } from './selection/model-spec.ts';
import type { SignalResult } from './signals/signal.ts';
import { runSignals, type SignalObserver } from './signals/signal-runner.ts';
import type { EarlyAnswer, StageInput } from './stages/route-stage.ts';

/**
 * Where a request goes. Mutations are an exhaustive switch on `kind`: `route` forwards it to a
 * model, `respond` answers it with a complete response a stage gave (a cache hit), `reject` refuses
 * it.
 */
export type RouteOutcome =
  | {
      kind: 'route';
      decision: string;
      model: ModelSpec;
      /** Signal facts and selection notes that explain the choice, e.g. `keyword:code`. */
      reason: string[];
      plan: RoutePlan;
      signals: ReadonlyMap<string, SignalResult>;
      /** What watches the response (the selector's, the stages'): see `ResponseObserver`. */
      observers: ResponseObserver[];
      /** What the stages were shown (`explain` shows them the same); absent when routing failed open. */
      stageInput?: StageInput & { readonly model: ModelSpec };
    }
  | {
      kind: 'respond';
      decision: string;
      /** The model whose answer it is (the one selection chose). */
      model: ModelSpec;
      response: EarlyResponse;
      reason: string[];
      signals: ReadonlyMap<string, SignalResult>;
      stageInput?: StageInput & { readonly model: ModelSpec };
    }
  | {
      kind: 'reject';
      decision: string;
      status: number;
      message: string;
      code: string;
      /** The signal facts that led to the refusal, e.g. `keyword:prompt-injection(ignore previous instructions)`. */
      reason: string[];
      signals: ReadonlyMap<string, SignalResult>;
    };

/** The timed stages of a request's path through the router (`request_path` is all of it). */
export type RequestStage = 'parse' | 'signals' | 'decision' | 'selection' | 'mutation' | 'request_path';

/** Ways the pipeline serves less than the full policy, each counted once where it happens. */
export type PipelineDegradation = 'guard_skipped' | 'plugin_error' | 'stage_error';

/** Receives stage timings, signal evaluations and degradations; implemented by observability. */
export interface PipelineObserver extends SignalObserver {
  stageFinished(stage: RequestStage, seconds: number): void;
  degraded(kind: PipelineDegradation): void;
}

const NO_SIGNALS: ReadonlyMap<string, SignalResult> = new Map();

/** The share of a request's budget kept for plugins and selection, however long signals take. */
const AFTER_SIGNALS_SHARE = 0.3;

/** The code of the 503 answered when a guard could not do its work. */
const GUARD_UNAVAILABLE = 'guard_unavailable';

/** The decision named on a request refused because routing failed in a policy with guards. */
const FAILED_CLOSED = 'failed-closed';

/**
 * The answer when a guard could not be evaluated or one of its plugins failed, or routing failed in
 * a policy with guards (`decision` is then {@link FAILED_CLOSED}): fail closed.
 */
function guardUnavailable(
  decision: string,
  why: string,
  reason: string[],
  signals: ReadonlyMap<string, SignalResult> = NO_SIGNALS,
): RouteOutcome & { kind: 'reject' } {
  const what = decision === FAILED_CLOSED ? 'its checks' : `the check '${decision}'`;
  return {
    kind: 'reject',
    decision,
    status: 503,
    code: GUARD_UNAVAILABLE,
    message: `The router could not complete ${what} (${why}), so the request was not forwarded; retry it.`,
    reason,
    signals,
  };
}

function unknownModel(requested: string, policy: RuntimePolicy): RouteOutcome {
  return {
    kind: 'reject',
    decision: 'unknown-model',
    status: 400,
    code: 'model_not_found',
    message: `The model '${requested}' is not served here; use one of: ${[...policy.virtualModels, ...policy.models.keys()].join(', ')}`,
    reason: [`requested model ${requested} unknown`],
    signals: NO_SIGNALS,
  };
}

/**
 * Runs the decision's plugins in order. A plugin that fails is skipped and counted; when it protects
 * (or its decision is a guard) the request is refused instead, unless the policy says
 * `onGuardFailure: continue`. Returns the refusal, if any.
 */
async function applyPlugins(
  decision: CompiledDecision,
  plan: RoutePlan,
  request: RouterRequest,
  policy: RuntimePolicy,
  observer: PipelineObserver,
  reason: string[],
): Promise<RouteOutcome | undefined> {
  for (const { type, plugin, protects } of decision.plugins) {
    try {
      const pending = plugin.apply(plan, request);
      if (pending) await pending;
    } catch (error) {
      const why = `its ${type} plugin failed: ${(error as Error).message}`;
      if (!(protects || decision.guard)) {
        observer.degraded('plugin_error');
        reason.push(`${type} plugin skipped (failed)`);
        continue;
      }
      if (policy.settings.onGuardFailure === 'reject') return guardUnavailable(decision.name, why, reason);
      observer.degraded('guard_skipped');
      reason.push(`${type} plugin skipped (failed; onGuardFailure: continue)`);
    }
  }
  return undefined;
}

/**
 * The whole route of one chat request: signals → decision → plugins → selection → a stage's early
 * answer (a cache hit) or the stages' response observers, within the
 * request's budget. When a plugin restricts the request to private models, selection (and a
 * requested model) must be one of them. A guard that cannot be evaluated refuses the request (see
 * `onGuardFailure`). Throws only on internal failures (and BudgetExhausted when selection runs out
 * of time); callers then answer with {@link failureOutcome}.
 */
export async function route(
  request: RouterRequest,
  policy: RuntimePolicy,
  observer: PipelineObserver,
  /** `answer: false` (explain): stages neither answer nor observe, so that asking changes and counts nothing. */
  options: { answer?: boolean } = {},
): Promise<RouteOutcome> {
  const requested = request.chat.model;
  const requestedModel = requested === undefined ? undefined : policy.models.get(requested);
  if (
    requested !== undefined &&
    !requestedModel &&
    !policy.virtualModels.has(requested) &&
    policy.settings.unknownModel === 'reject'
  ) {
    return unknownModel(requested, policy);
  }

  // Parsing a large body may have held the event loop already: let others run before the signals.
  const pauses = request.large;
  if (pauses && request.budget.due()) await request.budget.pause();
  let started = performance.now();
  request.budget.holdBack(AFTER_SIGNALS_SHARE);
  let outcome: Awaited<ReturnType<typeof runSignals>>;
  try {
    outcome = await runSignals(
      policy.signals,
      policy.signalOrder,
      request,
      policy.settings.signalTimeoutMs,
      observer,
    );
  } finally {
    request.budget.release();
  }
  const { results, matched, unknown } = outcome;
  let now = performance.now();
  observer.stageFinished('signals', (now - started) / 1000);
  started = now;

  const continueOnGuardFailure = policy.settings.onGuardFailure === 'continue';
  const match = decide(policy.decisions, policy.defaultDecision, matched, unknown, continueOnGuardFailure);
  if ('unresolved' in match) {
    const failed = match.signals.map((key) => `${key} failed: ${results.get(key)?.error ?? 'unknown'}`);
    return guardUnavailable(match.unresolved.name, failed.join('; '), failed, results);
  }
  const { decision, because, skippedGuards } = match;
  const reason =
    because.length > 0 ? because.map((fact) => withEvidence(fact, results)) : ['no decision matched'];
  for (const skipped of skippedGuards) {
    observer.degraded('guard_skipped');
    reason.push(`guard ${skipped.decision.name} skipped (${skipped.signals.join(', ')} failed)`);
  }
  const plan = emptyPlan();
  if (pauses && request.budget.due()) await request.budget.pause();
  const refused = await applyPlugins(decision, plan, request, policy, observer, reason);
  now = performance.now();
  observer.stageFinished('decision', (now - started) / 1000);
  started = now;
  if (refused) return { ...refused, signals: results };
  if (plan.reject)
    return { kind: 'reject', decision: decision.name, ...plan.reject, reason, signals: results };

  let candidates = decision.candidates;
  if (plan.privateOnly) {
    candidates = candidates.filter((m) => m.private === true);
    if (candidates.length === 0) {
      return {
        kind: 'reject',
        decision: decision.name,
        status: 403,
        code: 'no_private_model',
        message: 'The request contains personal data and no private model is available to serve it.',
        reason: [...reason, 'private models only'],
        signals: results,
      };
    }
  }

  const stageInput = {
    request,
    decision: decision.name,
    signals: results,
    decisionSetup: decision.setup,
    personalData: (plan.redactions?.size ?? 0) > 0 || plan.privateOnly === true,
  };
  let model: ModelSpec;
  const observers: ResponseObserver[] = [];
  if (plan.privateOnly) reason.push('private models only');
  const allowed = (m: ModelSpec) => !plan.privateOnly || m.private === true;
  if (requestedModel && policy.settings.honorRequestedModel && allowed(requestedModel)) {
    model = requestedModel;
    reason.push('requested model honoured');
    const window = requestedModel.contextWindow;
    if (window !== undefined && !(await request.tokens.atMostPausing(window, request.budget))) {
      reason.push(`prompt over the requested model's window of ${window} tokens`);
    }
  } else {
    const selection = await decision.selector.select({
      request,
      decision: decision.name,
      candidates,
      signals: results,
    });
    model = selection.model;
    if (selection.notes) reason.push(...selection.notes);
    if (selection.observer) observers.push(selection.observer);
  }
  // A stage may answer now that the model is known (a cache hit is an answer of this model); the
  // selector's observer is then dropped: a selector must not learn from an answer it did not get.
  const early =
    options.answer === false ? undefined : await earlyAnswer(policy, { ...stageInput, model }, observer);
  if (early) {
    observer.stageFinished('selection', (performance.now() - started) / 1000);
    return {
      kind: 'respond',
      decision: decision.name,
      model,
      response: early.response,
      reason: [...reason, early.reason],
      signals: results,
      stageInput: { ...stageInput, model },
    };
  }
  // Explain routes without a response to watch: observing would count a request that never comes.
  if (options.answer !== false) {
    for (const stage of policy.stages) {
      const watching = stage.observe?.({ ...stageInput, model });
      if (watching) observers.push(watching);
    }
  }
  observer.stageFinished('selection', (performance.now() - started) / 1000);
  return {
    kind: 'route',
    decision: decision.name,
    model,
    reason,
    plan,
    signals: results,
    observers,
    stageInput: { ...stageInput, model },
  };
}

/**
 * The first early answer a stage gives, if any. A stage that fails is skipped and counted: a broken
 * cache must not fail the requests it would have answered.
 */
async function earlyAnswer(
  policy: RuntimePolicy,
  input: StageInput & { readonly model: ModelSpec },
  observer: PipelineObserver,
): Promise<EarlyAnswer | undefined> {
  for (const stage of policy.stages) {
    if (!stage.answer) continue;
    try {
      const answer = await stage.answer(input);
      if (answer) return answer;
    } catch {
      observer.degraded('stage_error');
    }
  }
  return undefined;
}

/** `keyword:code` becomes `keyword:code(python, debug)` when the signal says what it found. */
function withEvidence(fact: string, results: ReadonlyMap<string, SignalResult>): string {
  if (fact.startsWith('!')) return fact;
  const evidence = results.get(fact)?.evidence;
  return evidence && evidence.length > 0 ? `${fact}(${evidence.slice(0, 3).join(', ')})` : fact;
}

/** The fail-open outcome: the default decision's first model, no plugins. */
function defaultRoute(policy: RuntimePolicy, why: string): RouteOutcome & { kind: 'route' } {
  const model = policy.defaultDecision.candidates[0];
  if (!model) throw new Error('the default decision has no model');
  return {
    kind: 'route',
    decision: policy.defaultDecision.name,
    model,
    reason: [why],
    plan: emptyPlan(),
    signals: NO_SIGNALS,
    observers: [],
  };
}

/**
 * The answer when routing failed or ran out of time (`why` says which): a policy with guards
 * refuses the request unless `onGuardFailure: continue` (the failure could have hidden what a guard
 * would have caught); otherwise `onError` decides between the default route and a 503 (`undefined`:
 * the caller answers 503).
 */
export function failureOutcome(policy: RuntimePolicy, why: string): RouteOutcome | undefined {
  if (policy.hasGuards && policy.settings.onGuardFailure === 'reject') {
    return guardUnavailable(FAILED_CLOSED, why, [why]);
  }
  return policy.settings.onError === 'default-route' ? defaultRoute(policy, `fail-open: ${why}`) : undefined;
}
