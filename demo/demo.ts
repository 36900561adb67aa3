/**
 * `npm run demo`: the router, one mock backend per model of the policy, and an HTTP front that
 * plays Envoy's part, all on this machine, so that a request can be routed without Docker:
 *
 *   curl -s localhost:8080/v1/chat/completions -H 'content-type: application/json' \
 *     -d '{"model":"auto","messages":[{"role":"user","content":"Write a python function to sort a list"}]}'
 *
 * Options (environment): DEMO_PORT (8080), POLICY (policies/default.yaml), GRPC_PORT (50051),
 * ADMIN_PORT (9190). Production puts the router behind Envoy: see docker-compose.yml.
 */
import { ExtProcEmulator } from 'envoy-extproc-emulator';
import { DEFAULT_POLICY_FILE, startRouter } from '../src/main.ts';
import { startDemoFront } from './front.ts';
import { type MockBackend, startMockBackend } from './mock-backend.ts';

export interface Demo {
  frontPort: number;
  grpcPort: number;
  adminPort: number | undefined;
  close(): Promise<void>;
}

/** Starts the whole local stack; ports of 0 pick free ones (used by the demo's test). */
export async function startDemo(options: {
  frontPort: number;
  grpcPort: number;
  adminPort: number;
  policyFile?: string;
  quiet?: boolean;
}): Promise<Demo> {
  const router = await startRouter({
    policyFile: options.policyFile ?? DEFAULT_POLICY_FILE,
    grpcHost: '127.0.0.1',
    grpcPort: options.grpcPort,
    adminHost: '127.0.0.1',
    adminPort: options.adminPort,
    ...(options.quiet ? { logger: (await import('pino')).pino({ level: 'silent' }) } : {}),
  });
  const models = [...router.policies.current.models.values()];
  /** One mock backend per cluster of the policy, as Envoy has one cluster per backend pool. */
  const backends = new Map<string, string>();
  const mocks: MockBackend[] = [];
  for (const model of models) {
    if (backends.has(model.endpoint.cluster)) continue;
    const mock = await startMockBackend({
      port: 0,
      host: '127.0.0.1',
      modelName: model.name,
      chunkDelayMs: 15,
    });
    mocks.push(mock);
    backends.set(model.endpoint.cluster, `http://127.0.0.1:${mock.port}`);
  }
  const defaultCluster = router.policies.current.defaultDecision.candidates[0]?.endpoint.cluster ?? '';
  const envoy = new ExtProcEmulator({
    target: `127.0.0.1:${router.grpcPort}`,
    messageTimeoutMs: 2000,
    // As envoy/envoy.yaml: fail closed when the router cannot answer at all.
    failureModeAllow: false,
  });
  const front = await startDemoFront({
    port: options.frontPort,
    envoy,
    backends,
    defaultBackend: backends.get(defaultCluster) ?? [...backends.values()][0] ?? '',
  });
  return {
    frontPort: front.port,
    grpcPort: router.grpcPort,
    adminPort: router.adminPort,
    async close() {
      await front.close();
      envoy.close();
      await Promise.all(mocks.map((m) => m.close()));
      await router.close(100);
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const demo = await startDemo({
    frontPort: Number(process.env.DEMO_PORT ?? 8080),
    grpcPort: Number(process.env.GRPC_PORT ?? 50051),
    adminPort: Number(process.env.ADMIN_PORT ?? 9190),
    ...(process.env.POLICY ? { policyFile: process.env.POLICY } : {}),
  });
  process.stderr.write(
    `\nDemo ready. Envoy stand-in on http://127.0.0.1:${demo.frontPort}, router ext_proc on :${demo.grpcPort}, metrics on http://127.0.0.1:${demo.adminPort}/metrics\n` +
      `Try:\n  curl -s localhost:${demo.frontPort}/v1/chat/completions -H 'content-type: application/json' \\\n` +
      `    -d '{"model":"auto","messages":[{"role":"user","content":"Write a python function to sort a list"}]}'\n` +
      `Send it twice with -i -H 'x-tenant-id: demo': the second answer comes from the cache (x-router-cache: hit).\n\n`,
  );
  const stop = () => demo.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
