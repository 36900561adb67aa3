import { BudgetExhausted } from '../request/request-budget.ts';
import type { RouterRequest } from '../request/router-request.ts';
import type { CompiledSignal, SignalResult } from './signal.ts';

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
  order: SignalOrder,
  request: RouterRequest,
  timeoutMs: number,
  observer: SignalObserver,
): Promise<SignalOutcome> {
  const found: (SignalResult | undefined)[] = new Array(signals.length);
  const matched: boolean[] = new Array(signals.length).fill(false);
  const unknown: boolean[] = new Array(signals.length).fill(false);
  const record = (index: number, started: number, result: SignalResult | undefined, error?: unknown) => {
    const failure = result ? undefined : failureOf(error);
    const final = result ? clamp(result) : { matched: false, confidence: 0, error: errorText(error) };
    found[index] = final;
    matched[index] = final.matched;
    unknown[index] = failure !== undefined;
    observer.signalEvaluated(
      (signals[index] as CompiledSignal).key,
      (performance.now() - started) / 1000,
      failure,
    );
  };
  const evaluate = (index: number): Promise<void> | undefined => {
    const started = performance.now();
    const signal = signals[index] as CompiledSignal;
    let result: SignalResult | Promise<SignalResult>;
    try {
      if (request.budget.exhausted) throw new BudgetExhausted(request.budget.budgetMs);
      result = signal.signal.evaluate(request);
    } catch (error) {
      record(index, started, undefined, error);
      return undefined;
    }
    if (!(result instanceof Promise)) {
      record(index, started, result);
      return undefined;
    }
    const bounded = signal.waitsOnModel
      ? withTimeout(result, Math.min(timeoutMs, request.budget.remaining()))
      : result;
    return bounded.then(
      (value) => record(index, started, value),
      (error: unknown) => record(index, started, undefined, error),
    );
  };

  const waiting: Promise<void>[] = [];
  for (const index of order.modelSignals) {
    const pending = evaluate(index);
    if (pending) waiting.push(pending);
  }
  const pauses = request.large;
  for (const index of order.otherSignals) {
    // Between signals, let other requests run once this one has held the event loop long enough
    // (a failed pause means the budget is spent: `evaluate` records that).
    if (pauses && request.budget.due()) await request.budget.pause().catch(() => {});
    const pending = evaluate(index);
    if (pending) await pending;
  }
  if (waiting.length > 0) await Promise.all(waiting);
  const results = new Map<string, SignalResult>();
  signals.forEach((signal, index) => {
    results.set(signal.key, found[index] ?? { matched: false, confidence: 0, error: 'not evaluated' });
  });
  return { results, matched, unknown };
}

/** The order signals run in, worked out once per policy (see {@link runSignals}). */
export interface SignalOrder {
  /** Signals that wait on a model: started first, all at once. */
  modelSignals: readonly number[];
  /** The others, one after another: those guards read first, the cheap ones first among equals. */
  otherSignals: readonly number[];
}

/** What the order depends on. */
interface Ordered {
  waitsOnModel: boolean;
  readByGuard: boolean;
  cheap: boolean;
}

export function signalOrder(signals: readonly Ordered[]): SignalOrder {
  const indices = signals.map((_, index) => index);
  const rank = (index: number) => {
    const signal = signals[index] as Ordered;
    return (signal.readByGuard ? 0 : 2) + (signal.cheap ? 0 : 1);
  };
  return {
    modelSignals: indices.filter((i) => signals[i]?.waitsOnModel),
    otherSignals: indices.filter((i) => !signals[i]?.waitsOnModel).sort((a, b) => rank(a) - rank(b) || a - b),
  };
}
