import type { CompiledSignal } from '../policy/runtime-policy.ts';
import type { RouterRequest } from '../request/router-request.ts';
import type { SignalResult } from './signal.ts';

/** Told about every evaluation, so that metrics live outside the signals. */
export interface SignalObserver {
  signalEvaluated(key: string, seconds: number, failure: 'error' | 'timeout' | undefined): void;
}

/** Every signal's result (keyed `type:name`) and, by signal index, whether it matched. */
export interface SignalOutcome {
  results: Map<string, SignalResult>;
  matched: boolean[];
}

function clamp(result: SignalResult): SignalResult {
  const confidence = Number.isFinite(result.confidence) ? Math.min(1, Math.max(0, result.confidence)) : 0;
  return confidence === result.confidence ? result : { ...result, confidence };
}

function failed(message: string): SignalResult {
  return { matched: false, confidence: 0, error: message };
}

function withTimeout(promise: Promise<SignalResult>, ms: number): Promise<SignalResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SignalTimeout(ms)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

class SignalTimeout extends Error {
  constructor(ms: number) {
    super(`timed out after ${ms} ms`);
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Waits for one asynchronous signal under the timeout and records whatever it comes to. */
async function settle(
  promise: Promise<SignalResult>,
  index: number,
  key: string,
  started: number,
  timeoutMs: number,
  outcome: SignalOutcome,
  observer: SignalObserver,
): Promise<void> {
  let result: SignalResult;
  let failure: 'error' | 'timeout' | undefined;
  try {
    result = clamp(await withTimeout(promise, timeoutMs));
  } catch (error) {
    failure = error instanceof SignalTimeout ? 'timeout' : 'error';
    result = failed(errorText(error));
  }
  outcome.results.set(key, result);
  outcome.matched[index] = result.matched;
  observer.signalEvaluated(key, (performance.now() - started) / 1000, failure);
}

/**
 * Evaluates every signal of the policy. A signal that throws, rejects or exceeds `timeoutMs` yields
 * a non-matching result carrying the error; it never fails the request. Synchronous signals run
 * inline; asynchronous ones run concurrently.
 */
export async function runSignals(
  signals: readonly CompiledSignal[],
  request: RouterRequest,
  timeoutMs: number,
  observer: SignalObserver,
): Promise<SignalOutcome> {
  const outcome: SignalOutcome = { results: new Map(), matched: new Array(signals.length).fill(false) };
  const pending: Promise<void>[] = [];
  for (let index = 0; index < signals.length; index++) {
    const { key, signal } = signals[index] as CompiledSignal;
    const started = performance.now();
    let result: SignalResult | Promise<SignalResult>;
    try {
      result = signal.evaluate(request);
    } catch (error) {
      outcome.results.set(key, failed(errorText(error)));
      observer.signalEvaluated(key, (performance.now() - started) / 1000, 'error');
      continue;
    }
    if (result instanceof Promise) {
      outcome.results.set(key, failed('pending'));
      pending.push(settle(result, index, key, started, timeoutMs, outcome, observer));
      continue;
    }
    const clamped = clamp(result);
    outcome.results.set(key, clamped);
    outcome.matched[index] = clamped.matched;
    observer.signalEvaluated(key, (performance.now() - started) / 1000, undefined);
  }
  if (pending.length > 0) await Promise.all(pending);
  return outcome;
}
