import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IndexedHeap } from './indexed-heap.ts';

interface Item {
  key: number;
  slot: number;
}

function heap() {
  return new IndexedHeap<Item>((a, b) => a.key < b.key, {
    get: (item) => item.slot,
    set: (item, at) => (item.slot = at),
  });
}

/** Empties the heap, smallest first. */
function drain(h: IndexedHeap<Item>): number[] {
  const keys: number[] = [];
  for (let item = h.peek(); item; item = h.peek()) {
    keys.push(item.key);
    h.delete(item);
  }
  return keys;
}

describe('IndexedHeap', () => {
  it('gives its items back in order after any pushes, deletions and key changes', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('push' as const), key: fc.integer({ min: 0, max: 50 }) }),
      fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
      fc.record({
        kind: fc.constant('update' as const),
        pick: fc.nat(),
        key: fc.integer({ min: 0, max: 50 }),
      }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const h = heap();
        const inside: Item[] = [];
        for (const o of ops) {
          if (o.kind === 'push') {
            const item = { key: o.key, slot: -1 };
            h.push(item);
            inside.push(item);
          } else if (inside.length > 0) {
            const item = inside[o.pick % inside.length] as Item;
            if (o.kind === 'delete') {
              h.delete(item);
              inside.splice(inside.indexOf(item), 1);
              expect(item.slot).toBe(-1);
            } else {
              item.key = o.key;
              h.update(item);
            }
          }
        }
        expect(h.size).toBe(inside.length);
        expect(drain(h)).toEqual(inside.map((i) => i.key).sort((a, b) => a - b));
      }),
    );
  });

  it('ignores an item pushed twice or deleted when it is not in the heap', () => {
    const h = heap();
    const item = { key: 1, slot: -1 };
    h.push(item);
    h.push(item);
    expect(h.size).toBe(1);
    h.delete(item);
    h.delete(item);
    h.delete({ key: 2, slot: -1 });
    expect(h.size).toBe(0);
  });
});
