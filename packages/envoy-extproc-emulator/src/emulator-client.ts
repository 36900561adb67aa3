/**
 * The emulator's entry point: one gRPC client to an ext_proc server, shared by any number of
 * concurrent exchanges (one `Process` call per HTTP exchange, as Envoy opens one per request).
 */
import * as grpc from '@grpc/grpc-js';
import { type FilterConfig, type ResolvedFilterConfig, resolveFilterConfig } from './config.ts';
import { loadExtProcService } from './envoy-protos.ts';
import { type ResponseCallbacks, runExchange } from './exchange.ts';
import type { ExchangeResult } from './exchange-result.ts';
import type { HttpRequest, Upstream } from './http-types.ts';
import type { ProcessCall } from './processor-stream.ts';
import type { ProcessingRequest, ProcessingResponse } from './wire-types.ts';

export interface EmulatorOptions extends FilterConfig {
  /** Address of the ext_proc server, e.g. `127.0.0.1:50051` (any gRPC target string). */
  target: string;
  /** Default: insecure (plaintext HTTP/2), as for a sidecar. */
  credentials?: grpc.ChannelCredentials;
  channelOptions?: grpc.ChannelOptions;
  /** Initial metadata sent on every call (Envoy's `grpc_service.initial_metadata`). */
  metadata?: Readonly<Record<string, string>>;
}

/** Per-exchange options. */
export interface ExchangeOptions extends ResponseCallbacks {
  /** Cancels the gRPC call (the server sees it as cancelled) and rejects with an AbortError, as when a downstream client disconnects. */
  signal?: AbortSignal;
  /** Overrides of the filter config for this exchange only, like a per-route `ExtProcPerRoute`. */
  filter?: FilterConfig;
  /** Extra initial metadata for this call. */
  metadata?: Readonly<Record<string, string>>;
}

interface ProcessClient extends grpc.Client {
  Process(
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientDuplexStream<ProcessingRequest, ProcessingResponse>;
}

/** Envoy's ext_proc HTTP filter, emulated as a client of an ext_proc gRPC server. */
export class ExtProcEmulator {
  readonly #client: ProcessClient;
  readonly #base: FilterConfig;
  readonly #metadata: Readonly<Record<string, string>>;
  /** The filter config in force, defaults filled in. */
  readonly config: ResolvedFilterConfig;

  constructor(options: EmulatorOptions) {
    const { target, credentials, channelOptions, metadata, ...filter } = options;
    this.#base = filter;
    this.config = resolveFilterConfig(filter);
    this.#metadata = metadata ?? {};
    const Service = loadExtProcService();
    this.#client = new Service(target, credentials ?? grpc.credentials.createInsecure(), {
      // Envoy's gRPC client takes answers of any size (a rewritten body as large as the request);
      // grpc-js would refuse those over 4 MB.
      'grpc.max_receive_message_length': -1,
      'grpc.max_send_message_length': -1,
      ...channelOptions,
    }) as unknown as ProcessClient;
  }

  /** Resolves once the channel is connected; rejects after `timeoutMs`. */
  waitForReady(timeoutMs = 5000): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#client.waitForReady(Date.now() + timeoutMs, (error) => (error ? reject(error) : resolve()));
    });
  }

  /**
   * Runs one HTTP exchange through the processor: request path, `upstream`, response path.
   * Resolves with everything observed; rejects on a protocol error (unless configured to ignore
   * it), on abort, or when a callback throws.
   */
  exchange(request: HttpRequest, upstream: Upstream, options: ExchangeOptions = {}): Promise<ExchangeResult> {
    let config: ResolvedFilterConfig;
    try {
      config = options.filter ? resolveFilterConfig(this.#base, options.filter) : this.config;
    } catch (error) {
      return Promise.reject(error);
    }
    // Per-exchange metadata overrides the emulator's for the same key (Metadata.set replaces).
    const metadata = new grpc.Metadata();
    for (const key of Object.keys(this.#metadata)) metadata.set(key, this.#metadata[key] as string);
    if (options.metadata) {
      for (const key of Object.keys(options.metadata)) metadata.set(key, options.metadata[key] as string);
    }
    const callbacks: ResponseCallbacks = {};
    if (options.onResponseHeaders) callbacks.onResponseHeaders = options.onResponseHeaders;
    if (options.onResponseChunk) callbacks.onResponseChunk = options.onResponseChunk;
    const client = this.#client;
    return runExchange(
      {
        config,
        openCall(): ProcessCall {
          return openProcessCall(client, metadata);
        },
        callbacks,
        signal: options.signal,
      },
      request,
      upstream,
    );
  }

  /** Closes the channel; calls still running are cancelled. */
  close(): void {
    this.#client.close();
  }
}

/**
 * Opens a `Process` call. grpc-js records the caller's stack in an Error for every call, only to
 * decorate the error it emits for a failed status; the emulator ignores those errors (it reads the
 * status), so the stack is not captured, which saves much of the cost of opening a call. An error
 * thrown here gets the stack of this call site.
 */
function openProcessCall(client: ProcessClient, metadata: grpc.Metadata): ProcessCall {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return client.Process(metadata);
  } catch (error) {
    Error.stackTraceLimit = limit;
    if (error instanceof Error) Error.captureStackTrace(error, openProcessCall);
    throw error;
  } finally {
    Error.stackTraceLimit = limit;
  }
}
