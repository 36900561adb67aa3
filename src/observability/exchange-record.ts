import type { RouterError } from '../errors.ts';
import type { RouteOutcome } from '../pipeline.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';

/**
 * The record of one exchange: what it came to, logged as one line when its stream ends, and
 * counted. Each happening is counted once, here: a client error as `bad_request` or
 * `payload_too_large`, a routing failure as `internal` (and `fail_open` when the default route
 * answered it), a stream the client dropped as `cancelled`. Prompts are never logged.
 */
export class ExchangeRecord {
  readonly #metrics: Metrics;
  readonly #logger: Logger;
  readonly #started = performance.now();
  #id = '';
  #path = '';
  #passedThrough = false;
  #outcome: RouteOutcome | undefined;
  #error: RouterError | undefined;
  #failure: string | undefined;
  #status: number | undefined;

  constructor(metrics: Metrics, logger: Logger) {
    this.#metrics = metrics;
    this.#logger = logger;
    metrics.activeStreams.inc();
  }

  identified(id: string, path: string): void {
    this.#id = id;
    this.#path = path;
  }

  passedThrough(): void {
    this.#passedThrough = true;
    this.#metrics.passThrough.inc();
  }

  refused(error: RouterError): void {
    this.#error = error;
    const kind =
      error.code === 'payload_too_large'
        ? 'payload_too_large'
        : error.code === 'bad_request'
          ? 'bad_request'
          : 'internal';
    this.#metrics.errors.inc({ kind });
  }

  failed(why: string, error?: unknown): void {
    this.#failure = why;
    this.#metrics.errors.inc({ kind: 'internal' });
    this.#logger.error({ err: error, id: this.#id, why }, 'routing failed');
  }

  failedOpen(): void {
    this.#metrics.degradations.inc({ kind: 'fail_open' });
  }

  outOfTime(): void {
    this.#metrics.degradations.inc({ kind: 'budget_exhausted' });
  }

  routed(outcome: RouteOutcome): void {
    this.#outcome = outcome;
  }

  responded(status: number | undefined): void {
    this.#status = status;
  }

  observerFailed(error: unknown): void {
    this.#metrics.degradations.inc({ kind: 'observer_error' });
    this.#logger.warn({ err: error, id: this.#id }, 'a response observer failed and was dropped');
  }

  protocolError(error: unknown): void {
    this.#metrics.errors.inc({ kind: 'protocol' });
    this.#logger.warn({ err: error, id: this.#id }, 'ext_proc message could not be handled');
  }

  idle(): void {
    this.#metrics.errors.inc({ kind: 'idle_stream' });
  }

  streamError(error: unknown): void {
    this.#logger.debug({ err: error, id: this.#id }, 'ext_proc stream error');
  }

  finished(how: 'completed' | 'cancelled' | 'error', complete: boolean): void {
    const metrics = this.#metrics;
    metrics.activeStreams.dec();
    if (how !== 'completed' && !complete) metrics.errors.inc({ kind: 'cancelled' });
    if (this.#passedThrough && !this.#outcome) return;
    const outcome = this.#outcome;
    const decision = outcome?.decision ?? this.#error?.code ?? (this.#failure ? 'failed' : 'none');
    const model = outcome?.kind === 'route' ? outcome.model.name : '';
    const result = outcome?.kind ?? (this.#error || this.#failure ? 'error' : 'incomplete');
    metrics.requests.inc({ decision, model, outcome: result });
    this.#logger.info(
      {
        id: this.#id,
        path: this.#path,
        decision,
        model: model || undefined,
        outcome: result,
        reason: outcome?.reason ?? this.#error?.message ?? this.#failure,
        message: outcome?.kind === 'reject' ? outcome.message : undefined,
        status: this.#status ?? this.#error?.status ?? statusOf(outcome),
        stream: how,
        ms: Math.round((performance.now() - this.#started) * 100) / 100,
      },
      'request',
    );
  }
}

function statusOf(outcome: RouteOutcome | undefined): number | undefined {
  if (outcome?.kind === 'reject') return outcome.status;
  return outcome?.kind === 'respond' ? outcome.response.status : undefined;
}
