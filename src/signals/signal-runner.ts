import type { RouterRequest } from '../request/router-request.ts';
import type { CompiledSignal } from '../policy/runtime-policy.ts';
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
  const results = new Map<string, SignalResult>();
  const matched: boolean[] = new Array(signals.length).fill(false);
  const pending: Promise<void>[] = [];
  const record = (index: number, key: string, result: SignalResult) => {
    results.set(key, result);
    matched[index] = result.matched;
  };
  signals.forEach(({ key, signal }, index) => {
    const started = performance.now();
    const elapsed = () => (performance.now() - started) / 1000;
    try {
      const result = signal.evaluate(request);
      if (!(result instanceof Promise)) {
        record(index, key, clamp(result));
        observer.signalEvaluated(key, elapsed(), undefined);
        return;
      }
      results.set(key, failed('pending'));
      pending.push(
        withTimeout(result, timeoutMs).then(
          (value) => {
            record(index, key, clamp(value));
            observer.signalEvaluated(key, elapsed(), undefined);
          },
          (error: unknown) => {
            const timedOut = error instanceof SignalTimeout;
            record(index, key, failed((error as Error).message ?? String(error)));
            observer.signalEvaluated(key, elapsed(), timedOut ? 'timeout' : 'error');
          },
        ),
      );
    } catch (error) {
      record(index, key, failed((error as Error).message ?? String(error)));
      observer.signalEvaluated(key, elapsed(), 'error');
    }
  });
  if (pending.length > 0) await Promise.all(pending);
  return { results, matched };
}
