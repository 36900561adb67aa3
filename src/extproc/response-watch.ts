import type { ResponseObserver } from '../response/response-observer.ts';

/**
 * Hands one exchange's response to its observers: the start, the body pieces (only to those that
 * read the body: with none, nothing of it is kept), and the end, once. An observer that throws is
 * reported and dropped; the others and the response go on.
 */
export class ResponseWatch {
  #observers: ResponseObserver[];
  readonly #since: number;
  readonly #failed: (error: unknown) => void;
  #ended = false;

  constructor(observers: ResponseObserver[], since: number, failed: (error: unknown) => void) {
    this.#observers = observers;
    this.#since = since;
    this.#failed = failed;
  }

  started(status: number, headers: ReadonlyMap<string, string>, streamed: boolean): void {
    const elapsedMs = performance.now() - this.#since;
    this.#each((observer) => observer.started?.({ status, headers, streamed, elapsedMs }));
  }

  body(piece: Buffer): void {
    this.#each((observer) => {
      if (observer.readsBody) observer.body?.(piece);
    });
  }

  ended(complete: boolean): void {
    if (this.#ended) return;
    this.#ended = true;
    const elapsedMs = performance.now() - this.#since;
    this.#each((observer) => observer.ended?.({ complete, elapsedMs }));
  }

  #each(call: (observer: ResponseObserver) => void): void {
    for (const observer of this.#observers) {
      try {
        call(observer);
      } catch (error) {
        this.#observers = this.#observers.filter((o) => o !== observer);
        this.#failed(error);
      }
    }
  }
}
