/** The downstream request as Envoy's header map and body frames hold it when the filter chain starts. */
import { randomUUID } from 'node:crypto';
import { splitBody } from './body-frames.ts';
import { HeaderList } from './header-list.ts';
import { type HttpRequest, toBuffer } from './http-types.ts';

/** Headers Envoy's connection manager removes from every request before the filters run. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'x-envoy-internal',
]);

/** The request body pieces as the client sends them. */
export function requestBodyPieces(request: HttpRequest, chunkSize: number | undefined): Buffer[] {
  if (request.body !== undefined && request.bodyChunks !== undefined) {
    throw new Error('Give either body or bodyChunks, not both');
  }
  if (request.bodyChunks) return request.bodyChunks.map(toBuffer).filter((piece) => piece.length > 0);
  return splitBody(request.body === undefined ? Buffer.alloc(0) : toBuffer(request.body), chunkSize);
}

/**
 * The request headers after Envoy's connection manager: pseudo-headers first (`host` becomes
 * `:authority`), then the client's headers without the hop-by-hop ones Envoy strips, plus
 * `x-forwarded-proto`, `x-request-id` and, for a body with neither a length nor chunked encoding,
 * `content-length` (as an HTTP/1.1 client sends it).
 */
export function buildRequestHeaders(request: HttpRequest, bodyLength: number): HeaderList {
  if (!request.path.startsWith('/')) throw new Error(`Request path must start with '/': ${request.path}`);
  const given = HeaderList.from(request.headers);
  const authority = request.authority ?? given.get('host') ?? given.get(':authority') ?? 'localhost';
  const scheme = request.scheme ?? 'http';
  const method = (request.method ?? (bodyLength > 0 ? 'POST' : 'GET')).toUpperCase();

  const headers = new HeaderList();
  headers.add(':authority', authority);
  headers.add(':path', request.path);
  headers.add(':method', method);
  headers.add(':scheme', scheme);
  for (const [name, value] of given.view()) {
    if (name.startsWith(':') || name === 'host' || HOP_BY_HOP.has(name)) continue;
    headers.add(name, value);
  }
  if (!headers.has('x-forwarded-proto')) headers.add('x-forwarded-proto', scheme);
  const requestId = request.requestId ?? headers.get('x-request-id') ?? randomUUID();
  headers.set('x-request-id', requestId);
  if (bodyLength > 0 && !headers.has('content-length') && !given.has('transfer-encoding')) {
    headers.add('content-length', String(bodyLength));
  }
  return headers;
}
