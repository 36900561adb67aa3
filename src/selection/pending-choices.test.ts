import { describe, expect, it } from 'vitest';
import { PendingChoices } from './pending-choices.ts';

const choice = { decision: 'd', model: 'm', features: [1, 0.5] };

describe('PendingChoices', () => {
  it('forgets a choice whose outcome comes after its time', async () => {
    let now = 0;
    const pending = new PendingChoices({ ttlMs: 1000, maxEntries: 10 }, undefined, () => now);
    pending.remember('a', choice);
    pending.remember('b', choice);
    now = 999;
    expect((await pending.take('a')).kind).toBe('pending');
    now = 1001;
    expect((await pending.take('b')).kind).toBe('unknown');
  });

  it('keeps at most maxEntries choices, dropping the oldest first', async () => {
    const pending = new PendingChoices({ ttlMs: 60_000, maxEntries: 3 });
    for (const id of ['a', 'b', 'c', 'd', 'e']) pending.remember(id, choice);
    expect(pending.size).toBe(3);
    expect((await pending.take('a')).kind).toBe('unknown');
    expect((await pending.take('b')).kind).toBe('unknown');
    expect((await pending.take('e')).kind).toBe('pending');
  });

  it('takes each id once, and does not let a reused id teach twice', async () => {
    const pending = new PendingChoices();
    pending.remember('a', choice);
    expect(await pending.take('a')).toEqual({ kind: 'pending', choice });
    expect((await pending.take('a')).kind).toBe('duplicate');
    pending.remember('a', choice);
    expect((await pending.take('a')).kind).toBe('duplicate');
  });
});
