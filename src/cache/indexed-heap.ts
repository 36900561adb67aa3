/** Where an item sits in one heap; kept on the item so that it can be moved or removed in O(log n). */
export interface HeapSlot<T> {
  get(item: T): number;
  set(item: T, position: number): void;
}

/**
 * A binary min-heap whose items know their position (through a {@link HeapSlot}), so that any item
 * can be removed, or moved after its key changed, in O(log n). An item is in at most one position
 * of a heap; -1 means not in it.
 */
export class IndexedHeap<T> {
  readonly #items: T[] = [];

  constructor(
    private readonly before: (a: T, b: T) => boolean,
    private readonly slot: HeapSlot<T>,
  ) {}

  get size(): number {
    return this.#items.length;
  }

  /** The least item, without removing it. */
  peek(): T | undefined {
    return this.#items[0];
  }

  push(item: T): void {
    if (this.slot.get(item) >= 0) return;
    this.#items.push(item);
    this.slot.set(item, this.#items.length - 1);
    this.#up(this.#items.length - 1);
  }

  /** Removes an item (nothing when it is not in the heap). */
  delete(item: T): void {
    const at = this.slot.get(item);
    if (at < 0 || this.#items[at] !== item) return;
    const last = this.#items.pop() as T;
    this.slot.set(item, -1);
    if (at === this.#items.length) return;
    this.#items[at] = last;
    this.slot.set(last, at);
    this.#down(this.#up(at));
  }

  /** Puts an item back in order after its key changed. */
  update(item: T): void {
    const at = this.slot.get(item);
    if (at < 0 || this.#items[at] !== item) return;
    this.#down(this.#up(at));
  }

  #up(at: number): number {
    const items = this.#items;
    const item = items[at] as T;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      const above = items[parent] as T;
      if (!this.before(item, above)) break;
      items[at] = above;
      this.slot.set(above, at);
      at = parent;
    }
    items[at] = item;
    this.slot.set(item, at);
    return at;
  }

  #down(at: number): void {
    const items = this.#items;
    const item = items[at] as T;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child = right < items.length && this.before(items[right] as T, items[left] as T) ? right : left;
      const below = items[child] as T;
      if (!this.before(below, item)) break;
      items[at] = below;
      this.slot.set(below, at);
      at = child;
    }
    items[at] = item;
    this.slot.set(item, at);
  }
}
