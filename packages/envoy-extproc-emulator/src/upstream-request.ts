/**
 * The request as handed to the upstream, with an AbortSignal made only when the upstream reads it:
 * making one is costly (several microseconds), and most upstreams never look at it.
 */
import type { ForwardedRequest } from './http-types.ts';

/** An AbortController whose signal is made on first use; aborting first makes it already aborted. */
export class LazyAbortController {
  #controller: AbortController | undefined;

  get signal(): AbortSignal {
    this.#controller ??= new AbortController();
    return this.#controller.signal;
  }

  /** Aborts the signal (the first reason sticks), whether or not it was handed out yet. */
  abort(reason: unknown): void {
    this.#controller ??= new AbortController();
    this.#controller.abort(reason);
  }
}

/**
 * The forwarded request plus `signal`, an own enumerable property read through a getter shared by
 * every request (so that all of them have one shape).
 */
export function upstreamRequest(
  forwarded: Omit<ForwardedRequest, 'signal'>,
  abort: LazyAbortController,
): ForwardedRequest {
  return new UpstreamRequest(forwarded, abort) as unknown as ForwardedRequest;
}

class UpstreamRequest {
  readonly #abort: LazyAbortController;

  constructor(forwarded: Omit<ForwardedRequest, 'signal'>, abort: LazyAbortController) {
    Object.assign(this, forwarded);
    this.#abort = abort;
    Object.defineProperty(this, 'signal', SIGNAL_PROPERTY);
  }

  static signalOf(request: UpstreamRequest): AbortSignal {
    return request.#abort.signal;
  }
}

const SIGNAL_PROPERTY: PropertyDescriptor = {
  get(this: UpstreamRequest): AbortSignal {
    return UpstreamRequest.signalOf(this);
  },
  enumerable: true,
  configurable: true,
};
