import { describe, expect, it } from 'vitest';
import { BudgetExhausted, RequestBudget } from './request-budget.ts';

describe('RequestBudget', () => {
  it('pauses until its deadline, then throws', async () => {
    const budget = new RequestBudget(50, performance.now() - 100);
    expect(budget.exhausted).toBe(true);
    await expect(budget.pause()).rejects.toBeInstanceOf(BudgetExhausted);
  });

  it('holds back a share for the stages after the signals, and gives it back', () => {
    const now = performance.now();
    const budget = new RequestBudget(1000, now);
    budget.holdBack(0.3);
    expect(budget.remaining(now)).toBeCloseTo(700, -1);
    budget.release();
    expect(budget.remaining(now)).toBeCloseTo(1000, -1);
  });

  it('an unlimited budget never runs out, whatever is held back', async () => {
    const budget = RequestBudget.unlimited();
    budget.holdBack(0.3);
    expect(budget.remaining()).toBe(Number.POSITIVE_INFINITY);
    await expect(budget.pause()).resolves.toBeUndefined();
  });

  it('a cancelled budget stops the work at its next pause', async () => {
    const budget = new RequestBudget(60_000);
    budget.cancel();
    expect(budget.remaining()).toBe(0);
    await expect(budget.pause()).rejects.toBeInstanceOf(BudgetExhausted);
  });
});
