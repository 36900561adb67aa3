/**
 * A typed place for values computed at most once per owner and key, on first use, and shared by
 * every reader. The owner is a request (the PII found in a message, a scope's text as models read
 * it, an encoding: values live as long as the request) or the router's process-wide state (what a
 * selector learns, kept across policy reloads). Each kind of value has its own memo, so its readers
 * and writers agree on its type without a cast.
 *
 * ```ts
 * const MESSAGE_PII = new Memo<number, PiiSpan[]>();
 * MESSAGE_PII.of(request, index, () => detectPii(request.chat.messages[index]?.text ?? ''));
 * ```
 */
export class Memo<Key, Value> {
  readonly #byOwner = new WeakMap<object, Map<Key, { value: Value }>>();

  /** The value for `key` of this owner, computed by `compute` the first time it is asked for. */
  of(owner: object, key: Key, compute: () => Value): Value {
    let values = this.#byOwner.get(owner);
    if (!values) {
      values = new Map();
      this.#byOwner.set(owner, values);
    }
    const known = values.get(key);
    if (known) return known.value;
    const value = compute();
    values.set(key, { value });
    return value;
  }

  /** The value for `key` if it has been computed for this owner. */
  peek(owner: object, key: Key): Value | undefined {
    return this.#byOwner.get(owner)?.get(key)?.value;
  }
}
