import { type FSWatcher, watch } from 'node:fs';
import path from 'node:path';
import { type LoadOptions, loadVettedPolicyFile } from './load.ts';
import type { Registry } from './registry.ts';
import type { RuntimePolicy } from './runtime-policy.ts';

export interface PolicyStoreEvents {
  onReload?(policy: RuntimePolicy): void;
  /** A changed file failed to load; the previous policy keeps serving. */
  onReloadError?(error: unknown): void;
}

/**
 * Holds the policy being served. `current` is swapped in one assignment after a new file has been
 * parsed and compiled in full, so a request never sees half a policy and a bad file changes nothing.
 */
export class PolicyStore {
  #current: RuntimePolicy;
  #watcher: FSWatcher | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(initial: RuntimePolicy) {
    this.#current = initial;
  }

  get current(): RuntimePolicy {
    return this.#current;
  }

  /** Replaces the policy (used by reload and by tests). */
  replace(policy: RuntimePolicy): void {
    this.#current = policy;
  }

  /**
   * Reloads `file` whenever it changes. The folder is watched, not the file, so editors that write
   * a new file and rename it over the old one, and Kubernetes ConfigMap symlink swaps, are seen.
   * Changes are debounced; a reload whose text did not change is skipped.
   */
  watch(
    file: string,
    registry: Registry,
    options: LoadOptions,
    events: PolicyStoreEvents = {},
    debounceMs = 100,
  ): void {
    this.unwatch();
    const base = path.basename(file);
    let loading = Promise.resolve();
    const load = async () => {
      let next: RuntimePolicy;
      try {
        next = await loadVettedPolicyFile(file, registry, options);
      } catch (error) {
        events.onReloadError?.(error);
        return;
      }
      if (next.digest === this.#current.digest || this.#watcher === undefined) return;
      this.#current = next;
      events.onReload?.(next);
    };
    // One reload at a time, in the order the changes came: an older file never replaces a newer one.
    const reload = () => {
      loading = loading.then(load);
    };
    this.#watcher = watch(path.dirname(file), (_event, changed) => {
      if (changed !== null && changed !== base && !changed.startsWith('..')) return;
      clearTimeout(this.#timer);
      this.#timer = setTimeout(reload, debounceMs);
    });
    this.#watcher.on('error', (error) => events.onReloadError?.(error));
  }

  unwatch(): void {
    clearTimeout(this.#timer);
    this.#watcher?.close();
    this.#watcher = undefined;
  }
}
