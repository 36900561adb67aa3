/**
 * Processing modes: the filter's configured mode, how a `mode_override` combines with it, and the
 * per-direction state Envoy derives from a mode.
 */
import type { BodySendMode, HeaderSendMode, ProcessingMode } from './wire-types.ts';

/** A processing mode with every field present. */
export type FullProcessingMode = Required<ProcessingMode>;

/** The emulator's default mode: headers sent, bodies BUFFERED, trailers skipped. */
export const DEFAULT_PROCESSING_MODE: FullProcessingMode = {
  request_header_mode: 'SEND',
  response_header_mode: 'SEND',
  request_body_mode: 'BUFFERED',
  response_body_mode: 'BUFFERED',
  request_trailer_mode: 'SKIP',
  response_trailer_mode: 'SKIP',
};

/** Body modes the emulator can drive (those of the bundled ext_proc protos). */
const SUPPORTED_BODY_MODES: readonly BodySendMode[] = ['NONE', 'STREAMED', 'BUFFERED', 'BUFFERED_PARTIAL'];

/** Fills a partial mode from the defaults. */
export function resolveProcessingMode(mode: ProcessingMode | undefined): FullProcessingMode {
  const full = { ...DEFAULT_PROCESSING_MODE, ...definedOnly(mode ?? {}) };
  for (const body of [full.request_body_mode, full.response_body_mode]) {
    if (!SUPPORTED_BODY_MODES.includes(body)) throw new Error(`Unsupported body mode ${body}`);
  }
  return full;
}

/**
 * The mode a `mode_override` puts in force, as current Envoy computes it: header and trailer modes
 * left at DEFAULT (or unset) keep the configured value, body modes are always taken from the
 * override, so an unset body mode means NONE.
 */
export function effectiveModeOverride(
  override: ProcessingMode,
  configured: FullProcessingMode,
): FullProcessingMode {
  const pick = (value: HeaderSendMode | undefined, fallback: HeaderSendMode) =>
    value === undefined || value === 'DEFAULT' ? fallback : value;
  return {
    request_header_mode: pick(override.request_header_mode, configured.request_header_mode),
    response_header_mode: pick(override.response_header_mode, configured.response_header_mode),
    request_trailer_mode: pick(override.request_trailer_mode, configured.request_trailer_mode),
    response_trailer_mode: pick(override.response_trailer_mode, configured.response_trailer_mode),
    request_body_mode: normalizeBodyMode(override.request_body_mode),
    response_body_mode: normalizeBodyMode(override.response_body_mode),
  };
}

/** What one direction (request = decoding, response = encoding) does with its parts. */
export interface DirectionMode {
  sendHeaders: boolean;
  bodyMode: BodySendMode;
  sendTrailers: boolean;
}

/** The request-side state of a mode (headers sent unless SKIP; trailers only when SEND). */
export function requestDirection(mode: FullProcessingMode): DirectionMode {
  return {
    sendHeaders: mode.request_header_mode !== 'SKIP',
    bodyMode: mode.request_body_mode,
    sendTrailers: mode.request_trailer_mode === 'SEND',
  };
}

/** The response-side state of a mode. */
export function responseDirection(mode: FullProcessingMode): DirectionMode {
  return {
    sendHeaders: mode.response_header_mode !== 'SKIP',
    bodyMode: mode.response_body_mode,
    sendTrailers: mode.response_trailer_mode === 'SEND',
  };
}

/**
 * Envoy drops content-length (and skips any a processor sets) when it cannot keep it right after a
 * body mutation: STREAMED, BUFFERED_PARTIAL, or BUFFERED while headers are skipped.
 */
export function shouldRemoveContentLength(direction: DirectionMode): boolean {
  return (
    direction.bodyMode === 'STREAMED' ||
    direction.bodyMode === 'BUFFERED_PARTIAL' ||
    (direction.bodyMode === 'BUFFERED' && !direction.sendHeaders)
  );
}

function normalizeBodyMode(mode: BodySendMode | undefined): BodySendMode {
  const value = mode ?? 'NONE';
  if (!SUPPORTED_BODY_MODES.includes(value)) {
    // An enum value the bundled protos do not know arrives as a number; Envoy of that API
    // version would not know it either.
    throw new Error(`Unsupported body mode ${String(value)} in mode_override`);
  }
  return value;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
