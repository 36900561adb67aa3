import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import { RequestBudget } from './request-budget.ts';
import { PromptTokenCounter } from './token-count.ts';

const AS_PLAIN_TEXT = { disallowedSpecial: new Set<string>() };
const messages = (...texts: string[]) => texts.map((text) => ({ role: 'user' as const, text }));

describe('PromptTokenCounter', () => {
  it('counts ordinary text as the tokenizer does, plus the chat framing', () => {
    const prose =
      'The quarterly results show steady growth across all regions, with strength in services.\n\n'.repeat(
        400,
      );
    const counter = new PromptTokenCounter(messages(prose, 'and a question?'));
    const expected =
      countTokens(prose, AS_PLAIN_TEXT) + countTokens('and a question?', AS_PLAIN_TEXT) + 3 + 3 * 2;
    expect(Math.abs(counter.total() - expected)).toBeLessThanOrEqual(expected * 0.001);
  });

  it('stays linear on one very long word (whole-word BPE is quadratic)', () => {
    // Whole, this word would take minutes to count; cut every 64 characters it takes milliseconds.
    const counter = new PromptTokenCounter(messages('a'.repeat(2_000_000)));
    expect(counter.total()).toBeGreaterThan(100_000);
  });

  it('counts only as far as a question needs, and goes on from there', () => {
    const counter = new PromptTokenCounter(messages('word '.repeat(200_000)));
    expect(counter.atMost(1000)).toBe(false);
    const first = counter.counted;
    expect(first).toBeGreaterThan(1000);
    expect(first).toBeLessThan(5000);
    expect(counter.exact).toBeUndefined();
    // The byte length answers this one: nothing more is counted.
    expect(counter.atMost(10_000_000)).toBe(true);
    expect(counter.counted).toBe(first);
    expect(counter.atMost(300_000)).toBe(true);
    expect(counter.exact).toBe(counter.counted);
  });

  it('answers from the byte length alone when that suffices', () => {
    const counter = new PromptTokenCounter(messages('short'));
    expect(counter.atMostFromBytes(100)).toBe(true);
    expect(counter.atMost(100)).toBe(true);
    expect(counter.counted).toBe(3 + 3);
  });

  it('pausing, gives the same answers', async () => {
    const text = 'word '.repeat(50_000);
    const counter = new PromptTokenCounter(messages(text));
    expect(await counter.atMostPausing(1000, RequestBudget.unlimited())).toBe(false);
    expect(await counter.atMostPausing(100_000, RequestBudget.unlimited())).toBe(true);
    expect(counter.exact).toBe(new PromptTokenCounter(messages(text)).total());
  });

  it('never splits a surrogate pair', () => {
    const emoji = '😀'.repeat(200);
    expect(new PromptTokenCounter(messages(emoji)).total()).toBe(countTokens(emoji, AS_PLAIN_TEXT) + 6);
  });
});
