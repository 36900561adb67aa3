/**
 * The HTTP side of the emulator: what a caller hands in (the downstream request, the upstream),
 * and what it gets back (the request the upstream saw, the response the downstream client saw).
 */

/**
 * Headers as a caller may write them. Names are case-insensitive and stored lower-cased, the way
 * Envoy does. An array value, or a repeated name in the iterable form, gives repeated headers.
 */
export type HeaderInput =
  | Readonly<Record<string, string | number | readonly string[]>>
  | Iterable<readonly [string, string]>;

/** One body piece; strings are encoded as UTF-8. */
export type BodyChunk = Buffer | string;

/** The request as a downstream client sends it to Envoy. */
export interface HttpRequest {
  /** Defaults to `POST` when there is a body, else `GET`. */
  method?: string;
  /** Path with query string, e.g. `/v1/chat/completions`. */
  path: string;
  /** Becomes `:authority`; a `host` header in {@link headers} is used when this is absent. Default `localhost`. */
  authority?: string;
  /** Becomes `:scheme` and `x-forwarded-proto`. Default `http`. */
  scheme?: 'http' | 'https';
  headers?: HeaderInput;
  /** The whole body. In STREAMED mode it is cut into `streamedChunkSize` pieces (one piece when unset). */
  body?: BodyChunk;
  /** The body as the client sends it, piece by piece (each piece is one data frame). Exclusive with `body`. */
  bodyChunks?: readonly BodyChunk[];
  /** Request trailers; sent to the processor only when `request_trailer_mode` is SEND. */
  trailers?: HeaderInput;
  /** Value of `x-request-id`; a random UUID when absent (unless `headers` already carries one). */
  requestId?: string;
}

/** The request as the upstream (the router's target cluster) receives it, after every mutation. */
export interface ForwardedRequest {
  method: string;
  path: string;
  authority: string;
  scheme: string;
  /** Final headers, lower-case names, pseudo-headers included; repeated headers joined with `,`. */
  headers: Readonly<Record<string, string>>;
  /** Final headers in order, repeats kept. */
  headerList: ReadonlyArray<readonly [string, string]>;
  /** Headers as the client sent them (what Envoy routed on, unless the route cache was cleared). */
  originalHeaders: Readonly<Record<string, string>>;
  body: Buffer;
  trailers?: Readonly<Record<string, string>>;
  /**
   * True when the processor cleared the route cache before Envoy released the request headers to
   * the router, i.e. when Envoy would pick the route again from the mutated headers.
   */
  routeCacheCleared: boolean;
  /** Aborted when the exchange is cancelled; pass it on to any real upstream call. */
  signal: AbortSignal;
}

/** What the upstream answers. Give `body` or `chunks` (or neither for an empty body). */
export interface UpstreamResponse {
  status: number;
  headers?: HeaderInput;
  body?: BodyChunk;
  /**
   * The body as data frames. With an array the last piece carries end of stream; with an async
   * iterable (a live upstream) the end of stream comes as a final empty frame, as Envoy sees it from
   * an HTTP/1.1 chunked upstream.
   */
  chunks?: AsyncIterable<BodyChunk> | readonly BodyChunk[];
  trailers?: HeaderInput;
}

/** The upstream cluster: called once the request path is done (never after an immediate response). */
export type Upstream = (request: ForwardedRequest) => Promise<UpstreamResponse> | UpstreamResponse;

/** The response as the downstream client receives it. */
export interface DownstreamResponse {
  status: number;
  /** Final headers without `:status`, lower-case names, repeats joined with `,`. */
  headers: Readonly<Record<string, string>>;
  /** Final headers in order without `:status`, repeats kept. */
  headerList: ReadonlyArray<readonly [string, string]>;
  /** The whole body as delivered. */
  body: Buffer;
  /** The body as the pieces that were delivered downstream, in order. */
  chunks: readonly Buffer[];
  trailers?: Readonly<Record<string, string>>;
}

/** Converts a body piece to bytes. */
export function toBuffer(chunk: BodyChunk): Buffer {
  return typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
}
