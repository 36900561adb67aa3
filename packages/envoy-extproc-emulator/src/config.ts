/**
 * The emulated filter's configuration: the subset of Envoy's `ExternalProcessor` filter config that
 * changes what goes over the ext_proc stream, plus the emulator's own choices.
 */

import type { HeaderAppendSemantics, MutationRules } from './header-mutation.ts';
import { type FullProcessingMode, resolveProcessingMode } from './processing-mode.ts';
import type { ProcessingMode } from './wire-types.ts';

export interface FilterConfig {
  /** `processing_mode`; unset fields take the emulator defaults (headers SEND, bodies BUFFERED, trailers SKIP). */
  processingMode?: ProcessingMode;
  /** `allow_mode_override`. Default true. */
  allowModeOverride?: boolean;
  /** Header values go in `raw_value` bytes (Envoy's default) or in `value` strings; mutations are read from the same field. Default true. */
  sendRawValue?: boolean;
  /** `message_timeout`: how long each message may wait for its answer. Default 200 ms. */
  messageTimeoutMs?: number;
  /** `max_message_timeout`: upper bound for `override_message_timeout`; 0 disables it. Default 0. */
  maxMessageTimeoutMs?: number;
  /** `failure_mode_allow`: on a timeout or gRPC error carry on unprocessed instead of failing. Default false. */
  failureModeAllow?: boolean;
  /** `status_on_error`: status of the local reply after a gRPC error or a rejected mutation. Default 500. */
  statusOnError?: number;
  /** `mutation_rules`. Default: Envoy's defaults. */
  mutationRules?: MutationRules;
  /** `route_cache_action`. Default `DEFAULT` (clear only when asked, and only with a header mutation). */
  routeCacheAction?: 'DEFAULT' | 'CLEAR' | 'RETAIN';
  /** Size of the pieces a whole body is cut into in STREAMED mode; unset sends it as one piece. */
  streamedChunkSize?: number;
  /** See {@link HeaderAppendSemantics}. Default `envoy`. */
  headerAppendSemantics?: HeaderAppendSemantics;
  /**
   * What to do with an answer of the wrong kind: `reject` the exchange with an ExtProcProtocolError
   * (default, so that tests see the bug), or `ignore` it the way Envoy does: stop talking to the
   * processor and let the rest of the exchange through unmodified.
   */
  onSpuriousMessage?: 'reject' | 'ignore';
  /**
   * How the stream ends once the exchange is done: `graceful` half-closes it and waits for the
   * server's status (default); `reset` half-closes and cancels at once, as Envoy's filter does when
   * it is destroyed.
   */
  closeMode?: 'graceful' | 'reset';
  /** In `graceful` mode, how long to wait for the server to finish before cancelling. Default 1000 ms. */
  closeTimeoutMs?: number;
}

/** A {@link FilterConfig} with every default filled in. */
export interface ResolvedFilterConfig {
  processingMode: FullProcessingMode;
  allowModeOverride: boolean;
  sendRawValue: boolean;
  messageTimeoutMs: number;
  maxMessageTimeoutMs: number;
  failureModeAllow: boolean;
  statusOnError: number;
  mutationRules: MutationRules;
  routeCacheAction: 'DEFAULT' | 'CLEAR' | 'RETAIN';
  streamedChunkSize: number | undefined;
  headerAppendSemantics: HeaderAppendSemantics;
  onSpuriousMessage: 'reject' | 'ignore';
  closeMode: 'graceful' | 'reset';
  closeTimeoutMs: number;
}

/** Fills in the defaults; `override` fields (per exchange, like a per-route config) win over `base`. */
export function resolveFilterConfig(base: FilterConfig, override: FilterConfig = {}): ResolvedFilterConfig {
  const pick = <K extends keyof FilterConfig>(key: K): FilterConfig[K] => override[key] ?? base[key];
  const chunkSize = pick('streamedChunkSize');
  if (chunkSize !== undefined && (!Number.isInteger(chunkSize) || chunkSize <= 0)) {
    throw new Error('streamedChunkSize must be a positive integer');
  }
  return {
    processingMode: resolveProcessingMode({ ...base.processingMode, ...override.processingMode }),
    allowModeOverride: pick('allowModeOverride') ?? true,
    sendRawValue: pick('sendRawValue') ?? true,
    messageTimeoutMs: pick('messageTimeoutMs') ?? 200,
    maxMessageTimeoutMs: pick('maxMessageTimeoutMs') ?? 0,
    failureModeAllow: pick('failureModeAllow') ?? false,
    statusOnError: pick('statusOnError') ?? 500,
    mutationRules: pick('mutationRules') ?? {},
    routeCacheAction: pick('routeCacheAction') ?? 'DEFAULT',
    streamedChunkSize: chunkSize,
    headerAppendSemantics: pick('headerAppendSemantics') ?? 'envoy',
    onSpuriousMessage: pick('onSpuriousMessage') ?? 'reject',
    closeMode: pick('closeMode') ?? 'graceful',
    closeTimeoutMs: pick('closeTimeoutMs') ?? 1000,
  };
}
