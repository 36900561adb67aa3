/** How many sweeps make up one idle timeout: a quiet stream is closed after 1 to 1.25 timeouts. */
const SWEEPS_PER_TIMEOUT = 4;

/** A stream the sweeper watches: it notes activity, and is closed when quiet too long. */
export interface WatchedStream {
  /** Call on every message: costs one property write, no clock reading and no timer. */
  active(): void;
  /** Stops watching (the stream ended). */
  done(): void;
}

/**
 * Closes streams that go quiet for `timeoutMs`. One timer for all streams, sweeping every quarter
 * of the timeout, instead of a timer re-armed on every message of every stream.
 */
export class IdleStreams {
  readonly #streams = new Map<object, { lastSweep: number; close: () => void }>();
  readonly #timer: NodeJS.Timeout;
  #sweep = 0;

  constructor(timeoutMs: number) {
    this.#timer = setInterval(() => this.#check(), Math.max(1, timeoutMs / SWEEPS_PER_TIMEOUT));
    this.#timer.unref();
  }

  /** Watches a stream; `close` is called once if it stays quiet for the timeout. */
  watch(close: () => void): WatchedStream {
    const key = {};
    const entry = { lastSweep: this.#sweep, close };
    this.#streams.set(key, entry);
    return {
      active: () => {
        entry.lastSweep = this.#sweep;
      },
      done: () => {
        this.#streams.delete(key);
      },
    };
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  #check(): void {
    this.#sweep++;
    for (const [key, entry] of this.#streams) {
      if (this.#sweep - entry.lastSweep <= SWEEPS_PER_TIMEOUT) continue;
      this.#streams.delete(key);
      entry.close();
    }
  }
}
