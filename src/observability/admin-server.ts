import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename } from 'node:path';
import type { RuntimePolicy } from '../policy/runtime-policy.ts';
import { type AdminAccess, checkAdminAccess } from './admin-access.ts';
import type { Metrics } from './metrics.ts';
import { type OutcomeReceiver, receiveOutcomes } from './outcome-endpoint.ts';

export interface AdminServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

/**
 * Something that makes the router serve less than its policy: a model that failed, a reload that
 * did, a Redis that is down (state kept in memory meanwhile).
 */
export interface Degradation {
  kind: 'model_unavailable' | 'policy_reload_failed' | 'redis_unavailable';
  /** What is affected (a model, the policy file), without host paths. */
  subject: string;
  reason: string;
  /** When it was seen (ISO 8601). */
  since: string;
}

export interface AdminState {
  readonly policies: { readonly current: RuntimePolicy };
  /** False until the ext_proc server listens, and again while shutting down. */
  ready(): boolean;
  /** What the router serves without right now; empty when it serves its whole policy. */
  degradations(): readonly Degradation[];
  /** Takes outcomes reported by request id (`POST /v1/router/outcomes`); absent: 404. */
  outcomes?: OutcomeReceiver;
}

/** Where clients report how well a routed request was served (see `receiveOutcomes`). */
const OUTCOMES_PATH = '/v1/router/outcomes';

function json(status: number, value: unknown): [number, string, string] {
  return [status, 'application/json', `${JSON.stringify(value)}\n`];
}

/**
 * `/readyz`: 200 `ready` when serving the whole policy, 200 `degraded` (with what is missing) when
 * serving with a model unavailable, after a failed reload or while Redis is down, 503 `not ready` while starting or
 * stopping. `?strict` answers 503 when degraded too, for probes that should take such a router out
 * of rotation.
 */
function readiness(state: AdminState, strict: boolean): [number, string, string] {
  const policy = state.policies.current;
  const degraded = state.degradations();
  const status = !state.ready() ? 'not ready' : degraded.length > 0 ? 'degraded' : 'ready';
  const body = {
    status,
    policy: {
      name: policy.policy.metadata?.name,
      file: basename(policy.source),
      sha256: policy.digest,
    },
    warnings: policy.warnings.length,
    degraded,
  };
  const ok = status === 'ready' || (status === 'degraded' && !strict);
  return json(ok ? 200 : 503, body);
}

/** Bodies of admin requests are small JSON objects. */
const MAX_ADMIN_BODY_BYTES = 16 * 1024;

const INVALIDATION_FIELDS = ['tenant', 'category', 'decision', 'model'] as const;

/**
 * `POST /cache/invalidate` with a JSON object naming any of `tenant`, `category`, `decision`,
 * `model` (`{}`: everything): every stage that keeps entries (the cache) drops the matching ones,
 * here and, through Redis, in the other replicas. Answers `{removed}` (this replica's count).
 */
function invalidateCache(
  state: AdminState,
  access: AdminAccess,
  req: IncomingMessage,
  respond: (answer: [number, string, string]) => void,
): void {
  if (req.method !== 'POST') {
    respond(json(405, { error: 'use POST' }));
    return;
  }
  const refusal = checkAdminAccess(access, req.socket.remoteAddress, req.headers.authorization);
  if (refusal) {
    respond(json(refusal.status, { error: refusal.message }));
    return;
  }
  const pieces: Buffer[] = [];
  let bytes = 0;
  req.on('data', (piece: Buffer) => {
    bytes += piece.length;
    if (bytes <= MAX_ADMIN_BODY_BYTES) pieces.push(piece);
  });
  req.on('end', () => {
    if (bytes > MAX_ADMIN_BODY_BYTES) return respond(json(413, { error: 'body too large' }));
    let filter: Record<string, string>;
    try {
      const parsed: unknown = bytes === 0 ? {} : JSON.parse(Buffer.concat(pieces).toString('utf8'));
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new Error('not an object');
      filter = {};
      for (const [key, value] of Object.entries(parsed)) {
        if (!(INVALIDATION_FIELDS as readonly string[]).includes(key) || typeof value !== 'string')
          throw new Error(`unknown field or not a string: ${key}`);
        filter[key] = value;
      }
    } catch (error) {
      return respond(
        json(400, {
          error: `expected a JSON object of ${INVALIDATION_FIELDS.join(', ')}: ${(error as Error).message}`,
        }),
      );
    }
    const stages = state.policies.current.stages.filter((stage) => stage.invalidate);
    Promise.all(stages.map((stage) => stage.invalidate?.(filter) ?? 0)).then(
      (counts) => respond(json(200, { removed: counts.reduce((sum, n) => sum + n, 0) })),
      // E.g. Redis is down: this replica's entries are gone, the other replicas' are not.
      (error: Error) => respond(json(503, { error: error.message })),
    );
  });
}

/**
 * The admin HTTP endpoints: `/healthz` (the process is up) and `/readyz` (see {@link readiness})
 * for anyone; `/metrics` (Prometheus text format), `POST /cache/invalidate` and
 * `POST /v1/router/outcomes` (feedback by request id) only for callers `access` admits. Anything
 * else is 404.
 */
export async function startAdminServer(
  state: AdminState,
  metrics: Metrics,
  host: string,
  port: number,
  access: AdminAccess,
): Promise<AdminServer> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://admin');
    const path = url.pathname;
    const respond = ([status, type, body]: [number, string, string]) => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    if (path === OUTCOMES_PATH) {
      if (req.method !== 'POST') return respond(json(405, { error: 'method not allowed; POST outcomes' }));
      const refusal = checkAdminAccess(access, req.socket.remoteAddress, req.headers.authorization);
      if (refusal) return respond(json(refusal.status, { error: refusal.message }));
      const receiver = state.outcomes;
      if (!receiver) return respond(json(404, { error: 'this router takes no outcomes' }));
      receiveOutcomes(req, receiver).then(
        ([status, body]) => respond(json(status, body)),
        (error: Error) => respond(json(500, { error: error.message })),
      );
      return;
    }
    if (path === '/cache/invalidate') return invalidateCache(state, access, req, respond);
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return respond(json(405, { error: 'method not allowed' }));
    if (path === '/healthz') return respond(json(200, { status: 'ok' }));
    if (path === '/readyz') return respond(readiness(state, url.searchParams.has('strict')));
    if (path !== '/metrics') return respond(json(404, { error: `no such endpoint: ${path}` }));
    const refusal = checkAdminAccess(access, req.socket.remoteAddress, req.headers.authorization);
    if (refusal) return respond(json(refusal.status, { error: refusal.message }));
    metrics.registry.metrics().then(
      (text) => respond([200, metrics.registry.contentType, text]),
      (error: Error) => respond(json(500, { error: error.message })),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
