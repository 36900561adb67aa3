/** A wake-up signal between two async loops: `wait()` resolves at the next `notify()`, or at once if one came since. */
export class Notifier {
  #pending = false;
  #wake: (() => void) | undefined;

  notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    if (wake) wake();
    else this.#pending = true;
  }

  wait(): Promise<void> {
    if (this.#pending) {
      this.#pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.#wake = resolve;
    });
  }
}
