import { fileURLToPath } from 'node:url';
import { ADMIN_SERVICE_NAME, createRouterAdmin, loadAdminService } from './admin-api/router-admin.ts';
import { type ExtProcServer, startExtProcServer } from './extproc/server.ts';
import type { ModelLibrary } from './models/model-library.ts';
import { sharedModelLibrary } from './models/shared-model-library.ts';
import { describeStaleHead, staleHeads } from './models/stale-heads.ts';
import { type AdminServer, startAdminServer } from './observability/admin-server.ts';
import { createLogger, type Logger } from './observability/logger.ts';
import { createMetrics, type Metrics } from './observability/metrics.ts';
import { createPipelineObserver } from './observability/pipeline-observer.ts';
import { loadVettedPolicyFile } from './policy/load.ts';
import { formatIssue } from './policy/policy-error.ts';
import { PolicyStore } from './policy/policy-store.ts';
import type { Registry } from './policy/registry.ts';
import { builtinRegistry } from './registry.ts';

/** The policy served when none is given: `policies/default.yaml` of this package. */
export const DEFAULT_POLICY_FILE = fileURLToPath(new URL('../policies/default.yaml', import.meta.url));

export interface RouterOptions {
  policyFile?: string;
  grpcHost?: string;
  grpcPort?: number;
  adminHost?: string;
  /** `null` starts no admin server. */
  adminPort?: number | null;
  /** Reload the policy file when it changes (default true). */
  watch?: boolean;
  logger?: Logger;
  registry?: Registry;
  /** Where models are loaded from; the process-wide library by default (tests pass fakes). */
  models?: ModelLibrary;
}

/**
 * Waits for the models the policy asked for and reports each one that failed: the router still
 * serves, and the signals that need a failed model do not match (each evaluation is counted).
 * Also reports each head that runs over another build of its encoder than it was trained over.
 */
async function reportModels(models: ModelLibrary, logger: Logger, metrics: Metrics): Promise<void> {
  const started = performance.now();
  const failed = await models.settled();
  for (const handle of failed) {
    metrics.degradations.inc({ kind: 'model_unavailable' });
    logger.error(
      { model: handle.description, reason: handle.error()?.message },
      'model unavailable: the signals that need it will not match; other routes are served',
    );
  }
  const { encoders, classifiers } = await models.ready();
  for (const stale of staleHeads(classifiers, encoders)) {
    metrics.degradations.inc({ kind: 'stale_head' });
    logger.warn({ ...stale }, describeStaleHead(stale));
  }
  const ready = models.handles().filter((handle) => handle.state() === 'ready');
  if (ready.length > 0) {
    logger.info(
      {
        models: ready.map((handle) => handle.description),
        seconds: Math.round(performance.now() - started) / 1000,
      },
      'models ready',
    );
  }
}

export interface Router {
  grpcPort: number;
  adminPort: number | undefined;
  policies: PolicyStore;
  metrics: Metrics;
  logger: Logger;
  close(graceMs?: number): Promise<void>;
}

/**
 * Loads the policy and starts the ext_proc server and the admin server. Throws a PolicyError when
 * the policy is invalid: the router never starts on a policy it cannot serve.
 */
export async function startRouter(options: RouterOptions = {}): Promise<Router> {
  const logger = options.logger ?? createLogger();
  const registry = options.registry ?? builtinRegistry;
  const policyFile = options.policyFile ?? DEFAULT_POLICY_FILE;
  const metrics = createMetrics();
  const models = options.models ?? sharedModelLibrary();
  const policies = new PolicyStore(await loadVettedPolicyFile(policyFile, registry, models));
  for (const warning of policies.current.warnings) logger.warn(formatIssue(warning, policyFile));
  if (options.watch ?? true) {
    policies.watch(policyFile, registry, models, {
      onReload(policy) {
        metrics.policyReloads.inc({ result: 'ok' });
        logger.info({ policy: policy.source, sha256: policy.digest }, 'policy reloaded');
        void reportModels(models, logger, metrics);
      },
      onReloadError(error) {
        metrics.policyReloads.inc({ result: 'error' });
        metrics.degradations.inc({ kind: 'policy_reload_failed' });
        logger.error({ err: error }, 'policy reload failed; still serving the previous policy');
      },
    });
  }
  await reportModels(models, logger, metrics);
  const ctx = { policies, metrics, logger, observer: createPipelineObserver(metrics) };
  let extProc: ExtProcServer | undefined;
  let admin: AdminServer | undefined;
  let ready = false;
  try {
    const adminApi = {
      name: ADMIN_SERVICE_NAME,
      definition: loadAdminService().service,
      implementation: createRouterAdmin(policies),
    };
    extProc = await startExtProcServer(ctx, options.grpcHost ?? '0.0.0.0', options.grpcPort ?? 50051, [
      adminApi,
    ]);
    if (options.adminPort !== null) {
      admin = await startAdminServer(
        { policies, ready: () => ready },
        metrics,
        options.adminHost ?? '0.0.0.0',
        options.adminPort ?? 9190,
      );
    }
  } catch (error) {
    policies.unwatch();
    await extProc?.close(0);
    throw error;
  }
  ready = true;
  const grpcServer = extProc;
  logger.info(
    {
      grpcPort: grpcServer.port,
      adminPort: admin?.port,
      policy: policyFile,
      sha256: policies.current.digest,
    },
    'semantic router ready',
  );
  logger.flush();
  return {
    grpcPort: grpcServer.port,
    adminPort: admin?.port,
    policies,
    metrics,
    logger,
    async close(graceMs = 5000) {
      ready = false;
      policies.unwatch();
      await grpcServer.close(graceMs);
      await admin?.close();
      logger.flush();
    },
  };
}
