/**
 * Envoy ext_proc filter emulator: drives an ext_proc gRPC server exactly the way Envoy's
 * `envoy.filters.http.ext_proc` HTTP filter does, one stream per HTTP exchange.
 *
 * ```ts
 * const emulator = new ExtProcEmulator({ target: '127.0.0.1:50051' });
 * const result = await emulator.exchange(chatRequest('hello'), echoUpstream);
 * result.forwarded?.headers['x-selected-model'];
 * emulator.close();
 * ```
 */
export {
  type ChatBodyOptions,
  type ChatMessage,
  type ChatRequestOptions,
  type ChatRole,
  chatBody,
  chatCompletionChunks,
  chatRequest,
  type EchoReport,
  echoUpstream,
  type SseUpstreamOptions,
  sseUpstream,
} from './chat.ts';
export type { FilterConfig, ResolvedFilterConfig } from './config.ts';
export { type EmulatorOptions, type ExchangeOptions, ExtProcEmulator } from './emulator-client.ts';
export { ExchangeAbortedError, ExtProcProtocolError, HeaderMutationError } from './errors.ts';
export type { ResponseCallbacks } from './exchange.ts';
export type {
  ExchangeOutcome,
  ExchangeResult,
  ExchangeTimings,
  MessageKind,
  MessageRecord,
  ModeOverrideEvent,
  RouteCacheEvent,
} from './exchange-result.ts';
export { HeaderList } from './header-list.ts';
export {
  applyBodyMutation,
  applyHeaderMutation,
  type HeaderAppendSemantics,
  type HeaderMutationOptions,
  type MutationRules,
  type RejectedMutation,
} from './header-mutation.ts';
export type {
  BodyChunk,
  DownstreamResponse,
  ForwardedRequest,
  HeaderInput,
  HttpRequest,
  Upstream,
  UpstreamResponse,
} from './http-types.ts';
export { DEFAULT_PROCESSING_MODE, type DirectionMode } from './processing-mode.ts';
/** The ext_proc messages as the emulator sends and receives them. */
export type * from './wire-types.ts';
