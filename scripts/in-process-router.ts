import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ExtProcEmulator } from 'envoy-extproc-emulator';
import { pino } from 'pino';
import { startRouter } from '../src/main.ts';

/** The router in this process, serving `policyText` on a free loopback port, and an Envoy emulator in front. */
export async function startRouterBehindEnvoy(
  policyText: string,
): Promise<{ envoy: ExtProcEmulator; close(): Promise<void> }> {
  const policyFile = path.join(mkdtempSync(path.join(tmpdir(), 'router-')), 'policy.yaml');
  writeFileSync(policyFile, policyText);
  const router = await startRouter({
    policyFile,
    grpcHost: '127.0.0.1',
    grpcPort: 0,
    adminPort: null,
    watch: false,
    logger: pino({ level: 'silent' }),
  });
  const envoy = new ExtProcEmulator({ target: `127.0.0.1:${router.grpcPort}`, messageTimeoutMs: 30_000 });
  await envoy.waitForReady();
  return {
    envoy,
    async close() {
      envoy.close();
      await router.close(100);
    },
  };
}
