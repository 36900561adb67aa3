/**
 * Applying what an answer asks of the headers and the route: header mutations under the filter's
 * rules, mutations Envoy skips as a whole, and clear_route_cache.
 */

import { HeaderMutationError } from './errors.ts';
import type { ExchangeState } from './exchange-state.ts';
import type { HeaderList } from './header-list.ts';
import { applyHeaderMutation, type RejectedMutation } from './header-mutation.ts';
import { type DirectionMode, shouldRemoveContentLength } from './processing-mode.ts';
import { routeCacheDecision } from './route-cache.ts';
import type { CommonResponse, HeaderMutation, ProcessingPhase } from './wire-types.ts';

/** Applies a header mutation to the headers of one direction (content-length skipped where the body mode drops it). */
export function mutateHeaders(
  ex: ExchangeState,
  phase: ProcessingPhase,
  headers: HeaderList,
  mutation: HeaderMutation | undefined,
  direction: DirectionMode,
  replacing: boolean,
): void {
  applyMutation(ex, phase, headers, mutation, replacing, shouldRemoveContentLength(direction));
}

/** Applies a header mutation, recording what was skipped; a mutation Envoy refuses as a whole ends the exchange. */
export function applyMutation(
  ex: ExchangeState,
  phase: ProcessingPhase,
  headers: HeaderList,
  mutation: HeaderMutation | undefined,
  replacing: boolean,
  skipContentLength: boolean,
): void {
  if (!mutation) return;
  try {
    const rejected = applyHeaderMutation(headers, mutation, {
      rawValue: ex.config.sendRawValue,
      rules: ex.config.mutationRules,
      appendSemantics: ex.config.headerAppendSemantics,
      replacingMessage: replacing,
      skipContentLength,
    });
    ex.record.rejected(phase, rejected);
  } catch (error) {
    if (error instanceof HeaderMutationError) ex.fail(phase, ex.config.statusOnError, error.message);
    throw error;
  }
}

/** Records every change of a mutation Envoy ignores as a whole, with the reason. */
export function rejectAll(
  ex: ExchangeState,
  phase: ProcessingPhase,
  mutation: HeaderMutation,
  reason: string,
): void {
  const rejected: RejectedMutation[] = [
    ...(mutation.remove_headers ?? []).map((header) => ({ operation: 'remove' as const, header, reason })),
    ...(mutation.set_headers ?? []).map((option) => ({
      operation: 'set' as const,
      header: option.header.key,
      reason,
    })),
  ];
  ex.record.rejected(phase, rejected);
}

/** Records what Envoy does with the route cache for this answer. */
export function considerRouteCache(ex: ExchangeState, phase: ProcessingPhase, common: CommonResponse): void {
  const event = routeCacheDecision(phase, common, ex.config.routeCacheAction, ex.routeReleased);
  if (event) ex.record.routeCacheEvents.push(event);
}
