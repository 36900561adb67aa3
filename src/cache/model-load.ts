import type { ResponseObserver } from '../response/response-observer.ts';

/** When a model counts as overloaded (any bound exceeded). */
export interface LoadBounds {
  readonly maxInFlight: number;
  readonly maxLatencyMs: number;
  readonly maxErrorRate: number;
}

/** Weight of the newest answer in the moving averages of latency and errors. */
const SMOOTHING = 0.2;

interface Load {
  inFlight: number;
  /** Moving average of the time to the response's first byte. */
  latencyMs: number;
  /** Moving average of answers that failed (5xx, or cut). */
  errorRate: number;
}

/**
 * What the router sees of each model's load through its responses: requests in flight, and moving
 * averages of the time to first byte and of failed answers. Kept per process (across reloads).
 */
export class ModelLoad {
  readonly #models = new Map<string, Load>();

  #of(model: string): Load {
    let load = this.#models.get(model);
    if (!load) {
      load = { inFlight: 0, latencyMs: 0, errorRate: 0 };
      this.#models.set(model, load);
    }
    return load;
  }

  /** Counts a request sent to `model` until its response ends; the observer records how it went. */
  watch(model: string): ResponseObserver {
    const load = this.#of(model);
    load.inFlight++;
    let status = 0;
    let done = false;
    return {
      readsBody: false,
      started(response) {
        status = response.status;
        load.latencyMs += SMOOTHING * (response.elapsedMs - load.latencyMs);
      },
      ended({ complete }) {
        if (done) return;
        done = true;
        load.inFlight--;
        const failed = !complete || status >= 500 || status === 0 ? 1 : 0;
        load.errorRate += SMOOTHING * (failed - load.errorRate);
      },
    };
  }

  /** Why `model` is overloaded under `bounds` (each bound it exceeds, in a few words), or undefined. */
  overloaded(model: string, bounds: LoadBounds): string | undefined {
    const load = this.#models.get(model);
    if (!load) return undefined;
    const why = [
      load.inFlight > bounds.maxInFlight && `${load.inFlight} in flight`,
      load.latencyMs > bounds.maxLatencyMs && `${Math.round(load.latencyMs)} ms to first byte`,
      load.errorRate > bounds.maxErrorRate && `${Math.round(load.errorRate * 100)}% errors`,
    ].filter((reason): reason is string => typeof reason === 'string');
    return why.length > 0 ? why.join(', ') : undefined;
  }
}

/** One observer that passes every call to each of `observers` (undefined ones left out). */
export function bothObservers(...observers: (ResponseObserver | undefined)[]): ResponseObserver | undefined {
  const present = observers.filter((o): o is ResponseObserver => o !== undefined);
  if (present.length <= 1) return present[0];
  return {
    readsBody: present.some((o) => o.readsBody),
    started: (response) => {
      for (const o of present) o.started?.(response);
    },
    body: (piece) => {
      for (const o of present) if (o.readsBody) o.body?.(piece);
    },
    ended: (end) => {
      for (const o of present) o.ended?.(end);
    },
  };
}
