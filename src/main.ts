import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADMIN_SERVICE_NAME, createRouterAdmin, loadAdminService } from './admin-api/router-admin.ts';
import {
  createRouterFeedback,
  FEEDBACK_SERVICE_NAME,
  loadFeedbackService,
} from './admin-api/router-feedback.ts';
import { reportSnapshots, saveSnapshots } from './cache/cache-snapshot.ts';
import type { RouterContext } from './extproc/exchange.ts';
import { type ExtProcServer, startExtProcServer } from './extproc/server.ts';
import type { ModelLibrary } from './models/model-library.ts';
import { sharedModelLibrary } from './models/shared-model-library.ts';
import { describeStaleHead, staleHeads } from './models/stale-heads.ts';
import { isLoopback } from './observability/admin-access.ts';
import { type AdminServer, startAdminServer } from './observability/admin-server.ts';
import { registerCacheMetrics } from './observability/cache-metrics.ts';
import { ExchangeRecord } from './observability/exchange-record.ts';
import { createLogger, type Logger } from './observability/logger.ts';
import { createMetrics, type Metrics } from './observability/metrics.ts';
import { createPipelineObserver } from './observability/pipeline-observer.ts';
import { RouterHealth } from './observability/router-health.ts';
import { usageAccounting } from './observability/usage-accounting.ts';
import { loadVettedPolicyFile } from './policy/load.ts';
import { formatIssue } from './policy/policy-error.ts';
import { PolicyStore } from './policy/policy-store.ts';
import type { Registry } from './policy/registry.ts';
import type { RuntimePolicy } from './policy/runtime-policy.ts';
import { builtinRegistry } from './registry.ts';
import { warmTokenizer } from './request/token-count.ts';
import { learningHub } from './selection/learning-hub.ts';
import { RedisConnections } from './state/redis-connections.ts';

/** The policy served when none is given: `policies/default.yaml` of this package. */
export const DEFAULT_POLICY_FILE = fileURLToPath(new URL('../policies/default.yaml', import.meta.url));

/** Where the router listens unless told otherwise: this host only. */
export const DEFAULT_HOST = '127.0.0.1';

/** How long in-flight exchanges may run on after a shutdown begins, by default. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 30_000;

export interface RouterOptions {
  policyFile?: string;
  /** Address of the ext_proc listener (and the RouterAdmin gRPC API on it); loopback by default. */
  grpcHost?: string;
  grpcPort?: number;
  /** Address of the admin HTTP listener; loopback by default. */
  adminHost?: string;
  /** `null` starts no admin server. */
  adminPort?: number | null;
  /**
   * Bearer token for `/metrics` and the RouterAdmin API. Without one, those answer loopback callers
   * only (health and readiness answer everyone).
   */
  adminToken?: string;
  /** An ext_proc stream without a message for this long is closed. */
  streamIdleTimeoutMs?: number;
  /** How long `close()` lets in-flight exchanges finish. */
  shutdownGraceMs?: number;
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
async function reportModels(
  models: ModelLibrary,
  logger: Logger,
  metrics: Metrics,
  health: RouterHealth,
): Promise<void> {
  const started = performance.now();
  const failed = await models.settled();
  health.modelsSettled(failed);
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
  const health = new RouterHealth();
  const redis = new RedisConnections({
    unavailable(url, reason) {
      metrics.degradations.inc({ kind: 'redis_unavailable' });
      health.redisUnavailable(url, reason);
      logger.error(
        { redis: url, reason },
        'redis unavailable: shared state is kept in memory until it returns',
      );
    },
    restored(url) {
      health.redisRestored(url);
      logger.info({ redis: url }, 'redis available again');
    },
  });
  // What selectors learn lives here, across policy reloads; so do the Redis connections.
  const processState = {};
  const hub = learningHub(processState);
  hub.onOutcome = (status) => metrics.outcomes.inc({ status });
  reportSnapshots(processState, {
    read(result) {
      const file = basename(result.file);
      if ('error' in result) {
        metrics.degradations.inc({ kind: 'cache_snapshot_unreadable' });
        logger.error({ file, err: result.error }, 'cache snapshot unreadable: the cache starts empty');
      } else logger.info({ file, entries: result.entries }, 'cache snapshot read');
    },
    written(result) {
      if (!('error' in result)) return;
      metrics.degradations.inc({ kind: 'cache_snapshot_unwritable' });
      logger.error(
        { file: basename(result.file), err: result.error },
        'cache snapshot not written: a restart keeps what the last one holds',
      );
    },
  });
  const load = { models, processState, redis };
  let first: RuntimePolicy;
  try {
    first = await loadVettedPolicyFile(policyFile, registry, load);
  } catch (error) {
    await redis.close();
    throw error;
  }
  const policies = new PolicyStore(first);
  registerCacheMetrics(metrics.registry, () => policies.current);
  for (const warning of policies.current.warnings) logger.warn(formatIssue(warning, policyFile));
  if (options.watch ?? true) {
    policies.watch(policyFile, registry, load, {
      onReload(policy) {
        metrics.policyReloads.inc({ result: 'ok' });
        health.reloaded();
        logger.info({ policy: policy.source, sha256: policy.digest }, 'policy reloaded');
        void redis.closeAllBut(policy.redis);
        void reportModels(models, logger, metrics, health);
      },
      onReloadError(error) {
        metrics.policyReloads.inc({ result: 'error' });
        metrics.degradations.inc({ kind: 'policy_reload_failed' });
        health.reloadFailed(policyFile, error);
        void redis.closeAllBut(policies.current.redis);
        logger.error({ err: error }, 'policy reload failed; still serving the previous policy');
      },
    });
  }
  await reportModels(models, logger, metrics, health);
  warmTokenizer();
  const access = { token: options.adminToken };
  const grpcHost = options.grpcHost ?? DEFAULT_HOST;
  const adminHost = options.adminHost ?? DEFAULT_HOST;
  for (const [listener, host] of [
    ['ext_proc', grpcHost],
    ['admin', adminHost],
  ] as const) {
    if (!isLoopback(host) && access.token === undefined) {
      logger.warn(
        { listener, host },
        'listening beyond loopback without an admin token: /metrics and the RouterAdmin API answer loopback callers only',
      );
    }
  }
  const ctx: RouterContext = {
    policies,
    observer: createPipelineObserver(metrics),
    events: () => new ExchangeRecord(metrics, logger),
    responseObservers: (outcome) => [usageAccounting(metrics, outcome.model)],
    connectionRetired: () => metrics.connectionsRetired.inc(),
    warn: (message) => logger.warn(message),
  };
  let extProc: ExtProcServer | undefined;
  let admin: AdminServer | undefined;
  let ready = false;
  try {
    const adminApi = {
      name: ADMIN_SERVICE_NAME,
      definition: loadAdminService().service,
      implementation: createRouterAdmin(policies, access),
    };
    const feedbackApi = {
      name: FEEDBACK_SERVICE_NAME,
      definition: loadFeedbackService().service,
      implementation: createRouterFeedback(hub, access),
    };
    extProc = await startExtProcServer(ctx, grpcHost, options.grpcPort ?? 50051, {
      extraServices: [adminApi, feedbackApi],
      ...(options.streamIdleTimeoutMs !== undefined && { streamIdleTimeoutMs: options.streamIdleTimeoutMs }),
    });
    if (options.adminPort !== null) {
      admin = await startAdminServer(
        { policies, ready: () => ready, degradations: () => health.degradations(), outcomes: hub },
        metrics,
        adminHost,
        options.adminPort ?? 9190,
        access,
      );
    }
  } catch (error) {
    policies.unwatch();
    await extProc?.close(0);
    await redis.close();
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
    async close(graceMs = options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS) {
      ready = false;
      policies.unwatch();
      await grpcServer.close(graceMs);
      await admin?.close();
      for (const result of await saveSnapshots(processState)) {
        const file = basename(result.file);
        if ('error' in result)
          logger.error({ file, err: result.error }, 'cache snapshot not written: its entries are lost');
        else logger.info({ file, entries: result.entries }, 'cache snapshot written');
      }
      hub.close();
      await redis.close();
      logger.flush();
    },
  };
}
