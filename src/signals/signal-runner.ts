import type { CompiledSignal } from '../policy/runtime-policy.ts';
import { BudgetExhausted } from '../request/request-budget.ts';
import type { RouterRequest } from '../request/router-request.ts';
import type { SignalResult } from './signal.ts';

/** Why a signal has no answer: it threw, its model took too long, or the request's time ran out. */
export type SignalFailure = 'error' | 'timeout' | 'budget';

/** Told about every evaluation, so that metrics live outside the signals. */
export interface SignalObserver {
  signalEvaluated(key: string, seconds: number, failure: SignalFailure | undefined): void;
}

/**
 * Every signal's result (keyed `type:name`) and, by signal index, whether it matched and whether
 * its answer is unknown (it failed; `matched` is then false). Rules read unknowns three-valued, so
 * that a failed signal never silently lets a request past a guard.
 */
export interface SignalOutcome {
  results: Map<string, SignalResult>;
  matched: boolean[];
  unknown: boolean[];
}

function clamp(result: SignalResult): SignalResult {
  const confidence = Number.isFinite(result.confidence) ? Math.min(1, Math.max(0, result.confidence)) : 0;
  return confidence === result.confidence ? result : { ...result, confidence };
}

class SignalTimeout extends Error {
  constructor(ms: number) {
    super(`timed out after ${Math.round(ms)} ms`);
  }
}

function withTimeout(promise: Promise<SignalResult>, ms: number): Promise<SignalResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SignalTimeout(ms)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function failureOf(error: unknown): SignalFailure {
  if (error instanceof SignalTimeout) return 'timeout';
  return error instanceof BudgetExhausted ? 'budget' : 'error';
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Evaluates every signal of the policy within the request's budget. A signal that throws, rejects,
 * waits on its model longer than `timeoutMs`, or is still working when the budget runs out yields a
 * non-matching result marked unknown, carrying the reason; it never fails the request.
 *
 * Order: signals that wait on models start first (their models run off the event loop, all at
 * once); then the others run one after another, those that guards read first and, among equals, the
 * cheap ones (bounded cost) first, so that when time runs short the checks that protect, and the
 * signals that cost little, are the ones that finished. A long text's scan pauses on the budget
 * between steps, so other requests are served meanwhile.
 */
export async function runSignals(
  signals: readonly CompiledSignal[],
  request: RouterRequest,
  timeoutMs: number,
  observer: SignalObserver,
): Promise<SignalOutcome> {
  const outcome: SignalOutcome = {
    // Keys in policy order, whatever order the answers come in.
    results: new Map(signals.map((s) => [s.key, { matched: false, confidence: 0, error: 'not evaluated' }])),
    matched: new Array(signals.length).fill(false),
    unknown: new Array(signals.length).fill(true),
  };
  const record = (index: number, started: number, result: SignalResult | undefined, error?: unknown) => {
    const signal = signals[index] as CompiledSignal;
    const failure = result ? undefined : failureOf(error);
    const final = result ? clamp(result) : { matched: false, confidence: 0, error: errorText(error) };
    outcome.results.set(signal.key, final);
    outcome.matched[index] = final.matched;
    outcome.unknown[index] = failure !== undefined;
    observer.signalEvaluated(signal.key, (performance.now() - started) / 1000, failure);
  };
  const evaluate = (index: number): Promise<void> | undefined => {
    const started = performance.now();
    let result: SignalResult | Promise<SignalResult>;
    try {
      if (request.budget.exhausted) throw new BudgetExhausted(request.budget.budgetMs);
      result = (signals[index] as CompiledSignal).signal.evaluate(request);
    } catch (error) {
      record(index, started, undefined, error);
      return undefined;
    }
    if (!(result instanceof Promise)) {
      record(index, started, result);
      return undefined;
    }
    const bounded = (signals[index] as CompiledSignal).waitsOnModel
      ? withTimeout(result, Math.min(timeoutMs, request.budget.remaining()))
      : result;
    return bounded.then(
      (value) => record(index, started, value),
      (error: unknown) => record(index, started, undefined, error),
    );
  };

  const waiting: Promise<void>[] = [];
  for (let index = 0; index < signals.length; index++) {
    if (!signals[index]?.waitsOnModel) continue;
    const pending = evaluate(index);
    if (pending) waiting.push(pending);
  }
  const order: [guards: boolean, cheap: boolean][] = [
    [true, true],
    [true, false],
    [false, true],
    [false, false],
  ];
  for (const [guards, cheap] of order) {
    for (let index = 0; index < signals.length; index++) {
      const signal = signals[index] as CompiledSignal;
      if (signal.waitsOnModel || signal.readByGuard !== guards || signal.cheap !== cheap) continue;
      // Between signals, let other requests run once this one has held the event loop long enough
      // (a failed pause means the budget is spent: `evaluate` records that).
      if (request.budget.due()) await request.budget.pause().catch(() => {});
      const pending = evaluate(index);
      if (pending) await pending;
    }
  }
  if (waiting.length > 0) await Promise.all(waiting);
  return outcome;
}
