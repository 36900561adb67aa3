import type { PipelineObserver } from '../pipeline.ts';
import type { Metrics } from './metrics.ts';

/** Records stage and signal timings into the metrics; label children are cached for the hot path. */
export function createPipelineObserver(metrics: Metrics): PipelineObserver {
  const stages = new Map<string, ReturnType<Metrics['stageDuration']['labels']>>();
  const signals = new Map<string, ReturnType<Metrics['signalDuration']['labels']>>();
  return {
    stageFinished(stage, seconds) {
      let child = stages.get(stage);
      if (!child) stages.set(stage, (child = metrics.stageDuration.labels(stage)));
      child.observe(seconds);
    },
    signalEvaluated(key, seconds, failure) {
      let child = signals.get(key);
      if (!child) signals.set(key, (child = metrics.signalDuration.labels(key)));
      child.observe(seconds);
      if (failure) metrics.degradations.inc({ kind: failure === 'timeout' ? 'signal_timeout' : 'signal_error' });
    },
  };
}
