/**
 * The demo's stand-in for Envoy: an HTTP server that runs every request through the router with
 * the ext_proc emulator (exactly the messages Envoy's filter would send), then forwards it to the
 * backend of the cluster the router picked, streaming the answer back. Production uses Envoy
 * (envoy/envoy.yaml); this exists so that a newcomer without Docker can curl a routed request.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  ExtProcEmulator,
  ForwardedRequest,
  HttpRequest,
  UpstreamResponse,
} from 'envoy-extproc-emulator';

export interface DemoFrontOptions {
  port: number;
  host?: string;
  envoy: ExtProcEmulator;
  /** Base URL of the backend of each cluster (the value of `x-router-cluster`). */
  backends: ReadonlyMap<string, string>;
  /** Where requests without `x-router-cluster` go, like Envoy's catch-all route. */
  defaultBackend: string;
  maxBodyBytes?: number;
}

/**
 * Headers that belong to one hop of HTTP and are not forwarded. `expect: 100-continue` (which curl
 * sends with bodies over 1 MB) is answered here, as Envoy answers it, and goes no further: fetch
 * refuses to send it.
 */
const HOP_HEADERS = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
  'te',
  'expect',
]);

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new Error(`request body over ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function upstreamFor(options: DemoFrontOptions) {
  return async (forwarded: ForwardedRequest): Promise<UpstreamResponse> => {
    const base = options.backends.get(forwarded.headers['x-router-cluster'] ?? '') ?? options.defaultBackend;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(forwarded.headers)) {
      if (!name.startsWith(':') && !HOP_HEADERS.has(name)) headers[name] = value;
    }
    const hasBody = forwarded.method !== 'GET' && forwarded.method !== 'HEAD';
    const response = await fetch(new URL(forwarded.path, base), {
      method: forwarded.method,
      headers,
      ...(hasBody ? { body: forwarded.body } : {}),
      signal: forwarded.signal,
    });
    const responseHeaders: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      if (!HOP_HEADERS.has(name)) responseHeaders[name] = value;
    });
    const body = response.body;
    return {
      status: response.status,
      headers: responseHeaders,
      chunks: body ? (body as unknown as AsyncIterable<Uint8Array>) : [],
    } as UpstreamResponse;
  };
}

async function handle(options: DemoFrontOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req, options.maxBodyBytes ?? 16 * 1024 * 1024);
  const headers: [string, string][] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = (req.rawHeaders[i] as string).toLowerCase();
    if (name !== 'host' && name !== 'connection' && name !== 'expect') {
      headers.push([name, req.rawHeaders[i + 1] as string]);
    }
  }
  const request: HttpRequest = {
    method: req.method ?? 'GET',
    path: req.url ?? '/',
    authority: req.headers.host ?? 'localhost',
    headers,
    ...(body.length > 0 ? { body } : {}),
  };
  const abort = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) abort.abort();
  });
  const result = await options.envoy.exchange(request, upstreamFor(options), {
    signal: abort.signal,
    onResponseHeaders(status, responseHeaders) {
      res.writeHead(status, responseHeaders);
    },
    onResponseChunk(chunk) {
      res.write(chunk);
    },
  });
  if (result.outcome === 'reset') {
    // Envoy resets the downstream stream when a response that had started cannot be finished.
    res.destroy();
    return;
  }
  if (!res.headersSent) {
    res.writeHead(result.response.status, result.response.headers);
    res.write(result.response.body);
  }
  res.end();
}

/** Starts the demo front; resolves with its port once listening. */
export async function startDemoFront(
  options: DemoFrontOptions,
): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    handle(options, req, res).catch((error: Error) => {
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            error: { message: error.message, type: 'server_error', param: null, code: 'bad_gateway' },
          }),
        );
      } else res.destroy(error);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
