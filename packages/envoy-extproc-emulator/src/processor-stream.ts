/**
 * One ext_proc gRPC stream seen as a sequence of events: answers from the processor, the end of
 * the call, and the filter's message timer firing.
 */
import type * as grpc from '@grpc/grpc-js';
import type { ProcessingRequest, ProcessingResponse } from './wire-types.ts';

export type StreamEvent =
  | { type: 'message'; message: ProcessingResponse }
  | { type: 'closed'; status: grpc.StatusObject }
  | { type: 'timeout' };

export type ProcessCall = grpc.ClientDuplexStream<ProcessingRequest, ProcessingResponse>;

/**
 * Wraps a `Process` call. Answers are queued in arrival order; `next()` hands them out one at a
 * time, then the call's end, and reports `timeout` when the armed message timer fires while no
 * answer is waiting.
 */
export class ProcessorStream {
  readonly #call: ProcessCall;
  readonly #queue: ProcessingResponse[] = [];
  #status: grpc.StatusObject | undefined;
  #pendingStatus: grpc.StatusObject | undefined;
  #readableEnded = false;
  #timer: NodeJS.Timeout | undefined;
  #timedOut = false;
  #interruption: Error | undefined;
  #wake: (() => void) | undefined;
  #halfClosed = false;
  #cancelled = false;
  readonly #statusWaiters: Array<(status: grpc.StatusObject) => void> = [];

  constructor(call: ProcessCall) {
    this.#call = call;
    call.on('data', (message: ProcessingResponse) => {
      this.#queue.push(message);
      this.#poke();
    });
    call.on('end', () => {
      this.#readableEnded = true;
      this.#settleStatus();
    });
    call.on('status', (status: grpc.StatusObject) => {
      this.#pendingStatus = status;
      this.#settleStatus();
      // Should the readable side never report its end, answers already delivered are queued by now.
      setImmediate(() => {
        this.#readableEnded = true;
        this.#settleStatus();
      });
    });
    // A non-OK status is also emitted as an error; the status event carries everything needed.
    call.on('error', () => {});
  }

  /** The call's final status once known. */
  get status(): grpc.StatusObject | undefined {
    return this.#status;
  }

  get closed(): boolean {
    return this.#status !== undefined;
  }

  /** Sends one message, unless the stream is already finished or half-closed. */
  send(request: ProcessingRequest): boolean {
    if (this.#status || this.#halfClosed || this.#cancelled) return false;
    this.#call.write(request);
    return true;
  }

  /** The next event; rejects with the interruption error once {@link interrupt} was called. */
  async next(): Promise<StreamEvent> {
    for (;;) {
      if (this.#interruption) throw this.#interruption;
      const message = this.#queue.shift();
      if (message) return { type: 'message', message };
      if (this.#status) return { type: 'closed', status: this.#status };
      if (this.#timedOut) {
        this.#timedOut = false;
        return { type: 'timeout' };
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  /** (Re)starts the message timer, as Envoy does whenever it sends a message that needs an answer. */
  armTimer(ms: number): void {
    this.stopTimer();
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#timedOut = true;
      this.#poke();
    }, ms);
  }

  stopTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timedOut = false;
  }

  /** Makes every pending and later `next()` reject with `error`. */
  interrupt(error: Error): void {
    this.#interruption ??= error;
    this.#poke();
  }

  /** Ends the client side of the stream (no more messages from the filter). */
  halfClose(): void {
    if (this.#halfClosed || this.#cancelled || this.#status) return;
    this.#halfClosed = true;
    this.#call.end();
  }

  /** Cancels the call; the server sees it as cancelled. */
  cancel(): void {
    this.stopTimer();
    if (this.#status || this.#cancelled) return;
    this.#cancelled = true;
    this.#call.cancel();
  }

  /** Answers received but never handed out by `next()`, removed from the queue. */
  takeQueued(): ProcessingResponse[] {
    return this.#queue.splice(0);
  }

  /** Resolves with the final status, or `undefined` after `timeoutMs`. */
  waitForStatus(timeoutMs: number): Promise<grpc.StatusObject | undefined> {
    if (this.#status) return Promise.resolve(this.#status);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(undefined), timeoutMs);
      this.#statusWaiters.push((status) => {
        clearTimeout(timer);
        resolve(status);
      });
    });
  }

  #settleStatus(): void {
    // The status may be reported before the last answers were read; hold it until the readable
    // side has ended so that `next()` hands out every answer first.
    if (this.#status || !this.#pendingStatus || !this.#readableEnded) return;
    this.#status = this.#pendingStatus;
    this.stopTimer();
    for (const waiter of this.#statusWaiters.splice(0)) waiter(this.#status);
    this.#poke();
  }

  #poke(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
