import { decide } from './decision/decide.ts';
import { emptyPlan, type RoutePlan } from './plugins/plugin.ts';
import type { RuntimePolicy } from './policy/runtime-policy.ts';
import type { ModelSpec } from './policy/schema.ts';
import type { RouterRequest } from './request/router-request.ts';
import { selectStatic } from './selection/static-selection.ts';
import type { SignalResult } from './signals/signal.ts';
import { runSignals, type SignalObserver } from './signals/signal-runner.ts';

/** Where a request goes. Mutations are an exhaustive switch on `kind`. */
export type RouteOutcome =
  | {
      kind: 'route';
      decision: string;
      model: ModelSpec;
      /** Signal facts and selection notes that explain the choice, e.g. `keyword:code`. */
      reason: string[];
      plan: RoutePlan;
      signals: ReadonlyMap<string, SignalResult>;
    }
  | {
      kind: 'reject';
      decision: string;
      status: number;
      message: string;
      code: string;
      signals: ReadonlyMap<string, SignalResult>;
    };

/** The timed stages of a request's path through the router (`request_path` is all of it). */
export type RequestStage = 'parse' | 'signals' | 'decision' | 'selection' | 'mutation' | 'request_path';

/** Receives stage timings and signal evaluations; implemented by observability. */
export interface PipelineObserver extends SignalObserver {
  stageFinished(stage: RequestStage, seconds: number): void;
}

const NO_SIGNALS: ReadonlyMap<string, SignalResult> = new Map();

/**
 * The whole route of one chat request: signals → decision → plugins → selection. When a plugin
 * restricts the request to private models, selection (and a requested model) must be one of them.
 * Throws only on internal failures; callers fail open with {@link defaultRoute}.
 */
export async function route(
  request: RouterRequest,
  policy: RuntimePolicy,
  observer: PipelineObserver,
): Promise<RouteOutcome> {
  const requested = request.chat.model;
  const requestedModel = requested === undefined ? undefined : policy.models.get(requested);
  if (
    requested !== undefined &&
    !requestedModel &&
    !policy.virtualModels.has(requested) &&
    policy.settings.unknownModel === 'reject'
  ) {
    return {
      kind: 'reject',
      decision: 'unknown-model',
      status: 400,
      code: 'model_not_found',
      message: `The model '${requested}' is not served here; use one of: ${[...policy.virtualModels, ...policy.models.keys()].join(', ')}`,
      signals: NO_SIGNALS,
    };
  }

  let started = performance.now();
  const { results, matched } = await runSignals(
    policy.signals,
    request,
    policy.settings.signalTimeoutMs,
    observer,
  );
  let now = performance.now();
  observer.stageFinished('signals', (now - started) / 1000);
  started = now;

  const { decision, because } = decide(policy, matched);
  const plan = emptyPlan();
  for (const plugin of decision.plugins) plugin.apply(plan, request);
  now = performance.now();
  observer.stageFinished('decision', (now - started) / 1000);
  started = now;

  if (plan.reject) return { kind: 'reject', decision: decision.name, ...plan.reject, signals: results };

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
        signals: results,
      };
    }
  }

  let model: ModelSpec;
  const reason =
    because.length > 0 ? because.map((fact) => withEvidence(fact, results)) : ['no decision matched'];
  if (plan.privateOnly) reason.push('private models only');
  const allowed = (m: ModelSpec) => !plan.privateOnly || m.private === true;
  if (requestedModel && policy.settings.honorRequestedModel && allowed(requestedModel)) {
    model = requestedModel;
    reason.push('requested model honoured');
  } else {
    const selection = selectStatic(candidates, request);
    model = selection.model;
    if (selection.note) reason.push(selection.note);
  }
  observer.stageFinished('selection', (performance.now() - started) / 1000);
  return { kind: 'route', decision: decision.name, model, reason, plan, signals: results };
}

/** `keyword:code` becomes `keyword:code(python, debug)` when the signal says what it found. */
function withEvidence(fact: string, results: ReadonlyMap<string, SignalResult>): string {
  if (fact.startsWith('!')) return fact;
  const evidence = results.get(fact)?.evidence;
  return evidence && evidence.length > 0 ? `${fact}(${evidence.slice(0, 3).join(', ')})` : fact;
}

/** The fail-open outcome: the default decision's first model, no plugins. */
export function defaultRoute(policy: RuntimePolicy, why: string): RouteOutcome & { kind: 'route' } {
  const model = policy.defaultDecision.candidates[0];
  if (!model) throw new Error('the default decision has no model');
  return {
    kind: 'route',
    decision: policy.defaultDecision.name,
    model,
    reason: [why],
    plan: emptyPlan(),
    signals: NO_SIGNALS,
  };
}
