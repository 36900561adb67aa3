import { setImmediate as nextTurn } from 'node:timers/promises';

/** Thrown by {@link RequestBudget.pause} once the request's time is up. */
export class BudgetExhausted extends Error {
  constructor(budgetMs: number) {
    super(`the request's time budget of ${budgetMs} ms ran out`);
    this.name = 'BudgetExhausted';
  }
}

/** How long work on one request may hold the event loop before it lets other streams run. */
const SLICE_MS = 2;

/**
 * The time one request may take, and the means to take it in slices. Work whose cost grows with
 * the input (scanning a long text) checks {@link due} as it goes and, when it is, awaits
 * {@link pause}: other requests run in between, timers fire, and past the deadline the work stops
 * with {@link BudgetExhausted} instead of holding the event loop. Small requests never pause.
 */
export class RequestBudget {
  readonly budgetMs: number;
  readonly deadline: number;
  /** The deadline the current stage works to: the budget's own, or earlier while some is held back. */
  #stageDeadline: number;
  #sliceStarted: number;
  #cancelled = false;

  constructor(budgetMs: number, now = performance.now()) {
    this.budgetMs = budgetMs;
    this.deadline = now + budgetMs;
    this.#stageDeadline = this.deadline;
    this.#sliceStarted = now;
  }

  /** A budget that never runs out, for tools that explain or classify one request at a time. */
  static unlimited(): RequestBudget {
    return new RequestBudget(Number.POSITIVE_INFINITY);
  }

  /** Milliseconds left for the current stage (0 once exhausted). */
  remaining(now = performance.now()): number {
    return this.#cancelled ? 0 : Math.max(0, this.#stageDeadline - now);
  }

  /**
   * Holds back a share of the budget from the work that follows, until {@link release}: the
   * stages after it (plugins, selection) keep that much time however long the signals take.
   */
  holdBack(share: number): void {
    if (!Number.isFinite(this.deadline)) return;
    this.#stageDeadline = this.deadline - (this.deadline - performance.now()) * share;
  }

  /** Gives back what {@link holdBack} held. */
  release(): void {
    this.#stageDeadline = this.deadline;
  }

  get exhausted(): boolean {
    return this.remaining() === 0;
  }

  /** Ends the budget now: the next {@link pause} throws (the answer has already been given). */
  cancel(): void {
    this.#cancelled = true;
  }

  /** Whether the current slice has held the event loop long enough to pause. */
  due(): boolean {
    return performance.now() - this.#sliceStarted >= SLICE_MS;
  }

  /** Lets other work run, then starts a new slice; throws {@link BudgetExhausted} past the deadline. */
  async pause(): Promise<void> {
    this.#check();
    await nextTurn();
    this.#check();
    this.#sliceStarted = performance.now();
  }

  #check(): void {
    if (this.exhausted) throw new BudgetExhausted(this.budgetMs);
  }
}
