import { describe, expect, it } from 'vitest';
import { textFacts } from './text-facts.ts';
import { compareFacts, verifyFacts, verifyTexts } from './verifier.ts';

describe('the cache verifier', () => {
  it.each([
    ['How do I enable 2FA?', 'How do I disable 2FA?', 'antonym'],
    ['Can I take ibuprofen with alcohol?', 'Can I not take ibuprofen with alcohol?', 'negation'],
    ['Can I take ibuprofen with alcohol?', "Why can't I take ibuprofen with alcohol?", 'negation'],
    ['How many km is 5 miles?', 'How many km is 6 miles?', 'numbers'],
    ['Convert 5 km to miles', 'Convert 5 kg to miles', 'numbers'],
    ['Is Python faster than Rust?', 'Is Rust faster than Python?', 'order'],
    ['Flights from Paris to London', 'Flights from London to Paris', 'roles'],
    ['What is the capital of France?', 'What is the capital of Germany?', 'entities'],
    ['Who wrote Hamlet?', 'When was Hamlet written?', 'question'],
    ['How do I sort a list in Python?', 'How do I reverse a dictionary in Python?', 'content'],
    ['Does God probably exist?', 'Does God definitely exist?', 'modality'],
    ['Do all birds fly?', 'Do some birds fly?', 'modality'],
    ['Bush gets zero credit for the budget', 'And Obama gets zero credit for the budget', 'entities'],
    ['Are there permanent US bases in Africa?', 'Are there permanent Africa bases in US?', 'order'],
    ['President George W. Bush cited Iraq', 'President Bush W. George cited Iraq', 'order'],
    ['A girl is eating a cupcake', 'A woman is eating a cupcake', 'content'],
    [
      'Is the bill approved by the House?',
      'Is the bill approved by the House and endorsed by the Senate?',
      'content',
    ],
  ])('refuses %s / %s (%s)', (a, b, reason) => {
    const verdict = verifyTexts(a, b);
    expect(verdict).toMatchObject({ agrees: false, reason });
    expect(verifyTexts(b, a)).toMatchObject({ agrees: false });
  });

  it.each([
    ['What is the capital of France?', "What's the capital of France?"],
    ['How do I sort a list in Python?', 'how can I sort a list in python'],
    ['How many km is 5 miles?', 'How many kilometers is five miles?'],
    ['Explain the water cycle please', 'Explain the water cycle'],
    ['Gases penetrate the thermal armor at reentry', 'Gases penetrate the thermal armour at re-entry'],
    ['Growth of 8 percent a year', 'Growth of 8 per cent a year'],
  ])('accepts %s / %s', (a, b) => {
    expect(verifyTexts(a, b)).toEqual({ agrees: true });
  });

  it('reads only a bounded part of a long text', () => {
    const long = `${'word '.repeat(100_000)}end`;
    const facts = textFacts(long);
    expect(facts.content.length).toBeLessThan(2000);
  });
});

describe('the verifier comparison', () => {
  it('lists every rule a pair breaks, the verdict being the first', () => {
    const a = textFacts('Do all 3 birds fly north?');
    const b = textFacts('Why do some 4 birds not fly north?');
    const comparison = compareFacts(a, b);
    expect(comparison.refusals.map((refusal) => refusal.reason)).toEqual([
      'negation',
      'numbers',
      'modality',
      'question',
    ]);
    expect(verifyFacts(a, b)).toEqual(comparison.refusals[0]);
    expect(compareFacts(a, textFacts('Do all 3 birds fly north?')).refusals).toEqual([]);
  });
});
