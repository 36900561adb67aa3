import type { HeaderInput } from './http-types.ts';

/**
 * An ordered header multimap with lower-case names, behaving like Envoy's header map for the
 * operations the ext_proc filter uses: `set` replaces every value of a name, `add` appends another
 * entry, `remove` drops every entry of a name.
 */
export class HeaderList {
  readonly #entries: Array<[string, string]> = [];

  /** Builds a list from any {@link HeaderInput}; `undefined` gives an empty list. */
  static from(input?: HeaderInput): HeaderList {
    const list = new HeaderList();
    if (!input) return list;
    if (isIterable(input)) {
      for (const [name, value] of input) list.add(name, value);
      return list;
    }
    for (const [name, value] of Object.entries(input)) {
      if (Array.isArray(value)) {
        for (const item of value as readonly string[]) list.add(name, item);
      } else {
        list.add(name, String(value));
      }
    }
    return list;
  }

  get size(): number {
    return this.#entries.length;
  }

  /** First value of `name`, if any. */
  get(name: string): string | undefined {
    const key = name.toLowerCase();
    return this.#entries.find(([n]) => n === key)?.[1];
  }

  getAll(name: string): string[] {
    const key = name.toLowerCase();
    return this.#entries.filter(([n]) => n === key).map(([, v]) => v);
  }

  has(name: string): boolean {
    const key = name.toLowerCase();
    return this.#entries.some(([n]) => n === key);
  }

  /** Appends one more entry, keeping existing ones. */
  add(name: string, value: string): void {
    this.#entries.push([name.toLowerCase(), value]);
  }

  /** Replaces all values of `name` with one, keeping the position of the first entry. */
  set(name: string, value: string): void {
    const key = name.toLowerCase();
    const first = this.#entries.findIndex(([n]) => n === key);
    if (first < 0) {
      this.#entries.push([key, value]);
      return;
    }
    this.#entries[first] = [key, value];
    for (let i = this.#entries.length - 1; i > first; i--) {
      if (this.#entries[i]?.[0] === key) this.#entries.splice(i, 1);
    }
  }

  /** Removes every entry of `name`; returns whether any existed. */
  remove(name: string): boolean {
    const key = name.toLowerCase();
    let removed = false;
    for (let i = this.#entries.length - 1; i >= 0; i--) {
      if (this.#entries[i]?.[0] === key) {
        this.#entries.splice(i, 1);
        removed = true;
      }
    }
    return removed;
  }

  /** Entries in order, repeats kept. */
  entries(): ReadonlyArray<readonly [string, string]> {
    return this.#entries.map(([n, v]) => [n, v] as const);
  }

  /** Entries as a record; repeated names are joined with `,` as Envoy does when it coalesces them. */
  toRecord(options: { withPseudo?: boolean } = {}): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, value] of this.#entries) {
      if (!options.withPseudo && name.startsWith(':')) continue;
      out[name] = name in out ? `${out[name]},${value}` : value;
    }
    return out;
  }

  clone(): HeaderList {
    const copy = new HeaderList();
    for (const [n, v] of this.#entries) copy.add(n, v);
    return copy;
  }
}

function isIterable(input: HeaderInput): input is Iterable<readonly [string, string]> {
  return typeof (input as Partial<Iterable<unknown>>)[Symbol.iterator] === 'function';
}
