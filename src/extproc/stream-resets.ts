import http2, { type Http2Server, type ServerHttp2Session } from 'node:http2';
import type * as grpc from '@grpc/grpc-js';

/**
 * Node's HTTP/2 stack (nghttp2) defends against "rapid reset" attacks by closing a connection whose
 * peer resets more streams than a token bucket allows: a burst of 1000, then 33 per second. Envoy
 * resets an ext_proc stream whenever its HTTP request is cancelled (and, without the graceful-close
 * runtime flag, at the end of every exchange), so under a burst of cancelled requests the bucket
 * runs dry and every exchange on that connection fails. Envoy is the router's only peer, and it has
 * its own defences at the edge, so the router lifts the limit where Node lets it be set, and where
 * it cannot, retires a connection gracefully before the bucket runs dry.
 */

/** The limit asked for where Node.js can set it (`streamResetBurst` / `streamResetRate`). */
const RESET_BURST = 1_000_000;
const RESET_RATE = 100_000;

/** nghttp2's default bucket, which the router must stay within where it cannot change it. */
const DEFAULT_BURST = 1000;
const DEFAULT_RATE_PER_SECOND = 33;

/**
 * When a connection's modelled bucket falls this low, it is retired: Envoy is told to open a new one
 * (GOAWAY, no error) while streams already open on it finish. What is left absorbs the resets of
 * the streams still open on it.
 */
const RETIRE_AT_TOKENS = 400;

/** Whether this Node.js takes `streamResetBurst` and `streamResetRate` (22.10 and later, and 23+). */
export function canSetResetLimit(version = process.versions.node): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 22 || (major === 22 && minor >= 10);
}

/** grpc-js's own fields, read and written before `bindAsync` (it has no option for these). */
interface GrpcServerInternals {
  commonServerOptions?: http2.ServerOptions & { streamResetBurst?: number; streamResetRate?: number };
  http2Servers?: Map<Http2Server, unknown>;
}

/**
 * Lifts the reset limit on the HTTP/2 servers `server` will create. Call before `bindAsync`.
 * Returns false when grpc-js's internals are not what this expects (the limit then stays).
 */
export function liftResetLimit(server: grpc.Server): boolean {
  const internals = server as unknown as GrpcServerInternals;
  if (!internals.commonServerOptions) return false;
  internals.commonServerOptions.streamResetBurst = RESET_BURST;
  internals.commonServerOptions.streamResetRate = RESET_RATE;
  return true;
}

/** A token bucket that mirrors nghttp2's for one connection. */
class ResetBucket {
  #tokens = DEFAULT_BURST;
  #at = performance.now();

  /** Takes one token; returns the tokens left. */
  take(): number {
    const now = performance.now();
    this.#tokens = Math.min(
      DEFAULT_BURST,
      this.#tokens + ((now - this.#at) / 1000) * DEFAULT_RATE_PER_SECOND,
    );
    this.#at = now;
    this.#tokens -= 1;
    return this.#tokens;
  }
}

function watchSession(session: ServerHttp2Session, onRetire: () => void): void {
  const bucket = new ResetBucket();
  let retired = false;
  session.on('stream', (stream) => {
    stream.once('close', () => {
      if (retired || stream.rstCode === http2.constants.NGHTTP2_NO_ERROR) return;
      if (bucket.take() > RETIRE_AT_TOKENS) return;
      retired = true;
      onRetire();
      try {
        // The largest stream id: streams already open may finish; the peer opens no new ones here.
        session.goaway(http2.constants.NGHTTP2_NO_ERROR, 2 ** 31 - 1);
        session.close();
      } catch {
        session.destroy();
      }
    });
  });
}

/**
 * Where the limit cannot be lifted: watches each connection of `server` (after `bindAsync`) and
 * retires it before nghttp2 would close it. Returns false when grpc-js's internals are not what
 * this expects.
 */
export function retireBeforeResetLimit(server: grpc.Server, onRetire: () => void): boolean {
  const servers = (server as unknown as GrpcServerInternals).http2Servers;
  if (!(servers instanceof Map)) return false;
  for (const http2Server of servers.keys()) {
    http2Server.on('session', (session: ServerHttp2Session) => watchSession(session, onRetire));
  }
  return true;
}
