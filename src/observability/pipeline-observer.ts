import type { PipelineObserver } from '../pipeline.ts';
import type { SignalFailure } from '../signals/signal-runner.ts';
import type { Observe } from './fast-histogram.ts';
import type { DegradationKind, Metrics } from './metrics.ts';

const SIGNAL_FAILURES: Record<SignalFailure, DegradationKind> = {
  error: 'signal_error',
  timeout: 'signal_timeout',
  budget: 'signal_budget',
};

/** Records stage and signal timings into the metrics, resolving each label set once. */
export function createPipelineObserver(metrics: Metrics): PipelineObserver {
  const stages = new Map<string, Observe>();
  const signals = new Map<string, Observe>();
  const lookup = (cache: Map<string, Observe>, make: (label: string) => Observe, label: string) => {
    let observe = cache.get(label);
    if (!observe) {
      observe = make(label);
      cache.set(label, observe);
    }
    return observe;
  };
  const stage = (label: string) => metrics.stageDuration.series(label);
  const signal = (label: string) => metrics.signalDuration.series(label);
  return {
    stageFinished(name, seconds) {
      lookup(stages, stage, name)(seconds);
    },
    signalEvaluated(key, seconds, failure) {
      lookup(signals, signal, key)(seconds);
      if (failure) metrics.degradations.inc({ kind: SIGNAL_FAILURES[failure] });
    },
    degraded(kind) {
      metrics.degradations.inc({ kind });
    },
  };
}
