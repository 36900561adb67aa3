import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RuntimePolicy } from '../policy/runtime-policy.ts';
import type { Metrics } from './metrics.ts';

export interface AdminServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

export interface AdminState {
  readonly policies: { readonly current: RuntimePolicy };
  /** False until the ext_proc server listens, and again while shutting down. */
  ready(): boolean;
}

function json(status: number, value: unknown): [number, string, string] {
  return [status, 'application/json', `${JSON.stringify(value)}\n`];
}

/**
 * The admin HTTP endpoints: `/healthz` (the process is up), `/readyz` (serving, with the policy in
 * force), `/metrics` (Prometheus text format). Anything else is 404.
 */
export async function startAdminServer(
  state: AdminState,
  metrics: Metrics,
  host: string,
  port: number,
): Promise<AdminServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const respond = ([status, type, body]: [number, string, string]) => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return respond(json(405, { error: 'method not allowed' }));
    if (path === '/healthz') return respond(json(200, { status: 'ok' }));
    if (path === '/readyz') {
      const policy = state.policies.current;
      const body = {
        status: state.ready() ? 'ready' : 'not ready',
        policy: { name: policy.policy.metadata?.name, source: policy.source, sha256: policy.digest },
        warnings: policy.warnings.length,
      };
      return respond(json(state.ready() ? 200 : 503, body));
    }
    if (path === '/metrics') {
      metrics.registry.metrics().then(
        (text) => respond([200, metrics.registry.contentType, text]),
        (error: Error) => respond(json(500, { error: error.message })),
      );
      return;
    }
    respond(json(404, { error: `no such endpoint: ${path}` }));
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
