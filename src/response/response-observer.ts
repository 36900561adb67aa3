/** The start of an upstream response, as the router sees it. */
export interface ResponseStart {
  status: number;
  /** Lower-case names. */
  headers: ReadonlyMap<string, string>;
  /** The body will come in pieces as the upstream sends them (an event stream), not buffered whole. */
  streamed: boolean;
  /** Since the request's headers reached the router: the time to the response's first byte. */
  elapsedMs: number;
}

/**
 * Watches one exchange's response, in the spirit of the endpoint picker's ResponseReceived /
 * ResponseStreaming / ResponseComplete plugins: usage accounting, a cache storing the answer, a
 * selector learning from it. Calls come in order: `started`, `body` for each piece, then `ended`
 * once (also when the response never started, for a cut exchange). An observer must not throw; a
 * throw is counted and the observer dropped, the response goes on.
 */
export interface ResponseObserver {
  /**
   * Whether it reads the body. When no observer of an exchange does, the router keeps none of it
   * (the cost of a body is paid only when a stage needs it).
   */
  readonly readsBody: boolean;
  started?(response: ResponseStart): void;
  /** A piece of the body: each chunk of a streamed response as it passes, or a buffered body whole. */
  body?(piece: Buffer): void;
  /**
   * The exchange is over: `complete` when the response's end arrived, false when it was cut (the
   * client or the upstream went away, the stream broke).
   */
  ended?(end: { complete: boolean; elapsedMs: number }): void;
}

/** A complete response a stage answers with instead of a model (a cache hit). */
export interface EarlyResponse {
  status: number;
  /** Lower-case names; `content-type` says JSON or an event stream. */
  headers: Readonly<Record<string, string>>;
  /** The whole body: a JSON completion, or every SSE event up to `data: [DONE]`. */
  body: Buffer;
}
