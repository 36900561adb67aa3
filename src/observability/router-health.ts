import { withoutPaths } from './admin-access.ts';
import type { Degradation } from './admin-server.ts';

/**
 * What the router serves without right now, for `/readyz`: the models that failed to load (as of
 * the last time the models settled), the last policy reload while it is a failure, and each Redis
 * while it is down. Paths of the host (and Redis passwords) are left out.
 */
export class RouterHealth {
  #models: Degradation[] = [];
  #reload: Degradation | undefined;
  readonly #redis = new Map<string, Degradation>();

  /** The models that failed, as the library reports them now (replacing the earlier list). */
  modelsSettled(failed: readonly { description: string; error(): Error | undefined }[]): void {
    const since = new Date().toISOString();
    const earlier = new Map(this.#models.map((d) => [d.subject, d.since]));
    this.#models = failed.map((handle) => {
      const subject = withoutPaths(handle.description);
      return {
        kind: 'model_unavailable',
        subject,
        reason: withoutPaths(handle.error()?.message ?? 'failed to load'),
        since: earlier.get(subject) ?? since,
      };
    });
  }

  reloadFailed(file: string, error: unknown): void {
    this.#reload = {
      kind: 'policy_reload_failed',
      subject: withoutPaths(file),
      reason: withoutPaths(error instanceof Error ? error.message : String(error)),
      since: this.#reload?.since ?? new Date().toISOString(),
    };
  }

  reloaded(): void {
    this.#reload = undefined;
  }

  redisUnavailable(label: string, reason: string): void {
    this.#redis.set(label, {
      kind: 'redis_unavailable',
      subject: label,
      reason: withoutPaths(reason),
      since: new Date().toISOString(),
    });
  }

  redisRestored(label: string): void {
    this.#redis.delete(label);
  }

  degradations(): readonly Degradation[] {
    return [...this.#models, ...(this.#reload ? [this.#reload] : []), ...this.#redis.values()];
  }
}
