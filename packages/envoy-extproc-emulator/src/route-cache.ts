/** Envoy's route cache handling of an answer (`DecodingProcessorState::clearRouteCache`). */

import type { RouteCacheEvent } from './exchange-result.ts';
import type { CommonResponse, ProcessingPhase } from './wire-types.ts';

export type RouteCacheAction = 'DEFAULT' | 'CLEAR' | 'RETAIN';

/**
 * What Envoy does with the route cache for one answer, or `undefined` when there is nothing to
 * record. Envoy clears only on the request side, only when the same answer carries a header
 * mutation, and never under RETAIN; CLEAR clears on every such answer. A clear changes the route
 * only while the request headers are still held (`routeReleased` false).
 */
export function routeCacheDecision(
  phase: ProcessingPhase,
  common: CommonResponse,
  action: RouteCacheAction,
  routeReleased: boolean,
): RouteCacheEvent | undefined {
  const requested = common.clear_route_cache === true;
  const beforeRouting = !routeReleased;

  if (phase.startsWith('response_')) {
    return requested
      ? event(phase, requested, false, beforeRouting, 'ignored in the response direction')
      : undefined;
  }
  if (!common.header_mutation) {
    return requested
      ? event(phase, requested, false, beforeRouting, 'ignored without a header mutation in the same answer')
      : undefined;
  }
  if (action === 'CLEAR') return event(phase, requested, true, beforeRouting, 'route_cache_action is CLEAR');
  if (!requested) return undefined;
  if (action === 'RETAIN')
    return event(phase, requested, false, beforeRouting, 'route_cache_action is RETAIN');
  return beforeRouting
    ? event(phase, requested, true, beforeRouting)
    : event(
        phase,
        requested,
        true,
        beforeRouting,
        'the route was already picked: the request headers had been released',
      );
}

function event(
  phase: ProcessingPhase,
  requested: boolean,
  cleared: boolean,
  beforeRouting: boolean,
  reason?: string,
): RouteCacheEvent {
  return reason === undefined
    ? { phase, requested, cleared, beforeRouting }
    : { phase, requested, cleared, beforeRouting, reason };
}
