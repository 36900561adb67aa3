import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { FastHistogram } from './fast-histogram.ts';

/** Why the router served something less than the full policy; each is counted, none fails a request. */
export const DEGRADATION_KINDS = [
  'signal_error',
  'signal_timeout',
  'signal_budget',
  'guard_skipped',
  'plugin_error',
  'stage_error',
  'observer_error',
  'budget_exhausted',
  'model_unavailable',
  'stale_head',
  'fail_open',
  'policy_reload_failed',
  'redis_unavailable',
  'cache_snapshot_unreadable',
  'cache_snapshot_unwritable',
] as const;

export type DegradationKind = (typeof DEGRADATION_KINDS)[number];

/** Client or protocol errors, answered or logged. */
const ERROR_KINDS = [
  'bad_request',
  'payload_too_large',
  'internal',
  'protocol',
  'cancelled',
  'idle_stream',
] as const;

const STAGE_BUCKETS = [
  0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25,
];

/** Every metric the router exports, on its own registry (several routers can run in one process). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'semantic_router_process_' });
  const metrics = {
    registry,
    requests: new Counter({
      name: 'semantic_router_requests_total',
      help: 'Chat requests by decision, selected model and outcome (route, reject, error).',
      labelNames: ['decision', 'model', 'outcome'] as const,
      registers: [registry],
    }),
    passThrough: new Counter({
      name: 'semantic_router_pass_through_total',
      help: 'Requests on paths the router does not route (forwarded untouched).',
      registers: [registry],
    }),
    stageDuration: new FastHistogram({
      name: 'semantic_router_stage_duration_seconds',
      help: 'Time spent in each stage of the request path.',
      labelName: 'stage',
      buckets: STAGE_BUCKETS,
      registers: [registry],
    }),
    signalDuration: new FastHistogram({
      name: 'semantic_router_signal_duration_seconds',
      help: 'Time spent evaluating each signal.',
      labelName: 'signal',
      buckets: STAGE_BUCKETS,
      registers: [registry],
    }),
    errors: new Counter({
      name: 'semantic_router_errors_total',
      help: 'Errors by kind.',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    degradations: new Counter({
      name: 'semantic_router_degradations_total',
      help: 'Times the router served less than the full policy, by kind.',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    policyReloads: new Counter({
      name: 'semantic_router_policy_reloads_total',
      help: 'Policy reloads by result (ok, error).',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    connectionsRetired: new Counter({
      name: 'semantic_router_connections_retired_total',
      help: 'ext_proc connections retired (GOAWAY) before their peer reset more streams than Node.js allows.',
      registers: [registry],
    }),
    activeStreams: new Gauge({
      name: 'semantic_router_active_streams',
      help: 'ext_proc streams open now.',
      registers: [registry],
    }),
    tokens: new Counter({
      name: 'semantic_router_tokens_total',
      help: 'Tokens reported by upstream usage, by model and direction (prompt, completion).',
      labelNames: ['model', 'direction'] as const,
      registers: [registry],
    }),
    cost: new Counter({
      name: 'semantic_router_cost_usd_total',
      help: 'Cost of served requests from upstream usage and the policy prices, by model.',
      labelNames: ['model'] as const,
      registers: [registry],
    }),
    outcomes: new Counter({
      name: 'semantic_router_outcomes_total',
      help: 'Outcomes reported by request id (and failed responses), by what became of them: accepted, duplicate, unknown, invalid.',
      labelNames: ['status'] as const,
      registers: [registry],
    }),
  };
  // Every kind is exported from the start (at 0), so that dashboards and alerts see the series.
  for (const kind of DEGRADATION_KINDS) metrics.degradations.inc({ kind }, 0);
  for (const kind of ERROR_KINDS) metrics.errors.inc({ kind }, 0);
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;
