/**
 * Time a loop may spend in one turn of the event loop: `spent()` resolves at once while the turn's
 * budget lasts, and after a turn of the event loop once it is spent (so that requests go on between
 * the batches of a long piece of work, however costly each step is).
 */
export class TurnBudget {
  #until: number;

  constructor(private readonly ms: number) {
    this.#until = performance.now() + ms;
  }

  /** Call after each step: yields to the event loop when this turn's time is used up. */
  async spent(): Promise<void> {
    if (performance.now() < this.#until) return;
    await new Promise((resolve) => setImmediate(resolve));
    this.#until = performance.now() + this.ms;
  }
}
