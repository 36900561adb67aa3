/** Errors the emulator raises to its caller. */

/**
 * The processor answered with a message that does not match what was sent (for example a
 * `request_body` answer to `request_headers`). Envoy counts such a message as spurious, stops
 * talking to the processor and lets the request through unmodified; the emulator rejects the
 * exchange instead (unless configured with `onSpuriousMessage: 'ignore'`) so that the bug is seen.
 */
export class ExtProcProtocolError extends Error {
  override readonly name = 'ExtProcProtocolError';
  constructor(
    message: string,
    /** The phase whose answer was awaited. */
    readonly awaitedPhase: string,
    /** The oneof member the processor actually set (`undefined` when none was set). */
    readonly receivedKind: string | undefined,
  ) {
    super(message);
  }
}

/** The exchange was cancelled through its AbortSignal; the gRPC call was cancelled with it. */
export class ExchangeAbortedError extends Error {
  override readonly name = 'AbortError';
  readonly code = 'ABORT_ERR';
  constructor(message = 'The exchange was aborted', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * A header mutation that Envoy refuses as a whole (invalid name or value, both `value` and
 * `raw_value` set, a disallowed header with `disallow_is_error`, a content-length that does not
 * match the mutated body). Envoy answers such an exchange with a local reply; so does the emulator.
 */
export class HeaderMutationError extends Error {
  override readonly name = 'HeaderMutationError';
}
