import type { RouterError } from '../errors.ts';
import type { RouteOutcome } from '../pipeline.ts';
import type { ResponseObserver } from '../response/response-observer.ts';

/**
 * What one exchange reports as it goes, so that the protocol code neither logs nor counts:
 * observability turns these into the one log line per request and the metrics (wired in
 * `main.ts`). Each happening is reported once, where it happens.
 */
export interface ExchangeEvents {
  /** The request's id and path, once its headers are read. */
  identified(id: string, path: string): void;
  /** A request the router does not route (another path or method). */
  passedThrough(): void;
  /** A bad or oversized request, answered with its error. */
  refused(error: RouterError): void;
  /** Routing failed or ran out of time; `why` says which. Counted once, as an internal error. */
  failed(why: string, error?: unknown): void;
  /** The failure was answered by routing to the default model without checks (fail open). */
  failedOpen(): void;
  /** The budget ran out before routing ended. */
  outOfTime(): void;
  /** What the request came to. */
  routed(outcome: RouteOutcome): void;
  /** The upstream's status. */
  responded(status: number | undefined): void;
  /** A response observer threw; it is dropped. */
  observerFailed(error: unknown): void;
  /** A message could not be handled; it got the failure answer. */
  protocolError(error: unknown): void;
  /** The stream went quiet too long and was closed. */
  idle(): void;
  /** The gRPC stream reported an error. */
  streamError(error: unknown): void;
  /** The stream ended: the log line. `complete` when every answer the exchange needed was given. */
  finished(how: 'completed' | 'cancelled' | 'error', complete: boolean): void;
}

/** What the exchanges need from the process besides the policy: where to report, what watches responses. */
export interface ExchangeServices {
  /** Starts the record of one exchange (the stream is open until `finished`). */
  events(): ExchangeEvents;
  /** A connection was retired before its peer reset more streams than Node.js allows. */
  connectionRetired(): void;
  /** A problem of the server itself (not of one exchange), for the log. */
  warn(message: string): void;
  /** The observers every routed response gets (e.g. usage accounting), besides the outcome's own. */
  responseObservers(outcome: RouteOutcome & { kind: 'route' }): ResponseObserver[];
}
