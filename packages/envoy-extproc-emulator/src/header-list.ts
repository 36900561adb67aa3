import type { HeaderInput } from './http-types.ts';

type Entry = readonly [string, string];

/**
 * An ordered header multimap with lower-case names, behaving like Envoy's header map for the
 * operations the ext_proc filter uses: `set` replaces every value of a name, `add` appends another
 * entry, `remove` drops every entry of a name.
 *
 * Entries are immutable pairs (a change replaces the pair), so lists and snapshots may share them.
 */
export class HeaderList {
  readonly #entries: Entry[] = [];

  /** Builds a list from any {@link HeaderInput}; `undefined` gives an empty list. */
  static from(input?: HeaderInput): HeaderList {
    const list = new HeaderList();
    if (!input) return list;
    if (isIterable(input)) {
      for (const [name, value] of input) list.add(name, value);
      return list;
    }
    for (const name of Object.keys(input)) {
      const value = input[name];
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
    for (const entry of this.#entries) if (entry[0] === key) return entry[1];
    return undefined;
  }

  getAll(name: string): string[] {
    const key = name.toLowerCase();
    const out: string[] = [];
    for (const entry of this.#entries) if (entry[0] === key) out.push(entry[1]);
    return out;
  }

  has(name: string): boolean {
    const key = name.toLowerCase();
    for (const entry of this.#entries) if (entry[0] === key) return true;
    return false;
  }

  /** Appends one more entry, keeping existing ones. */
  add(name: string, value: string): void {
    this.#entries.push([name.toLowerCase(), value]);
  }

  /** Replaces all values of `name` with one, keeping the position of the first entry. */
  set(name: string, value: string): void {
    const key = name.toLowerCase();
    const entries = this.#entries;
    let first = -1;
    for (let i = 0; i < entries.length; i++) {
      if (entries[i]?.[0] === key) {
        first = i;
        break;
      }
    }
    if (first < 0) {
      entries.push([key, value]);
      return;
    }
    entries[first] = [key, value];
    for (let i = entries.length - 1; i > first; i--) {
      if (entries[i]?.[0] === key) entries.splice(i, 1);
    }
  }

  /** Removes every entry of `name`; returns whether any existed. */
  remove(name: string): boolean {
    const key = name.toLowerCase();
    const entries = this.#entries;
    let removed = false;
    for (let i = entries.length - 1; i >= 0; i--) {
      if (entries[i]?.[0] === key) {
        entries.splice(i, 1);
        removed = true;
      }
    }
    return removed;
  }

  /** Entries in order, repeats kept: a snapshot, which later changes to the list leave as it is. */
  entries(): ReadonlyArray<readonly [string, string]> {
    return this.#entries.slice();
  }

  /** The live entries, for reading at once without a copy; do not keep the array. */
  view(): ReadonlyArray<readonly [string, string]> {
    return this.#entries;
  }

  /** Entries as a record; repeated names are joined with `,` as Envoy does when it coalesces them. */
  toRecord(options?: { withPseudo?: boolean }): Record<string, string> {
    const withPseudo = options?.withPseudo;
    const out: Record<string, string> = Object.create(null);
    for (const [name, value] of this.#entries) {
      if (!withPseudo && name.charCodeAt(0) === COLON) continue;
      out[name] = Object.hasOwn(out, name) ? `${out[name]},${value}` : value;
    }
    return out;
  }

  clone(): HeaderList {
    const copy = new HeaderList();
    for (const entry of this.#entries) copy.#entries.push(entry);
    return copy;
  }

  /** A copy without the `:`-prefixed pseudo-headers. */
  withoutPseudo(): HeaderList {
    const copy = new HeaderList();
    for (const entry of this.#entries) if (entry[0].charCodeAt(0) !== COLON) copy.#entries.push(entry);
    return copy;
  }
}

const COLON = 0x3a;

function isIterable(input: HeaderInput): input is Iterable<readonly [string, string]> {
  return typeof (input as Partial<Iterable<unknown>>)[Symbol.iterator] === 'function';
}
