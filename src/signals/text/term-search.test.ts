import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RequestBudget } from '../../request/request-budget.ts';
import { compileTerm, containsTerm, containsTermPausing } from './term-search.ts';

/** The same question asked with a regular expression: the term's words, any whitespace between, word boundaries. */
function reference(text: string, label: string): boolean {
  const words = label
    .trim()
    .toLowerCase()
    .split(/\s+/)
    .map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const start = /^[\p{L}\p{N}_]/u.test(label.trim()) ? '(?<![\\p{L}\\p{N}_])' : '';
  const end = /[\p{L}\p{N}_]$/u.test(label.trim()) ? '(?![\\p{L}\\p{N}_])' : '';
  return new RegExp(`${start}${words.join('\\s+')}${end}`, 'u').test(text.toLowerCase());
}

const LABELS = ['ignore previous instructions', 'api', 'c++', 'unit test', 'é', 'a a b'];
const text = fc
  .array(
    fc.constantFrom(
      'ignore',
      'previous',
      'instructions',
      'api',
      'apis',
      'c++',
      'unit',
      'test',
      'é',
      'a',
      'b',
      ' ',
      '  ',
      '\n\t',
      '_',
      '.',
      'x',
    ),
    {
      maxLength: 40,
    },
  )
  .map((parts) => parts.join(''));

describe('term search', () => {
  it.each(LABELS)('finds %j exactly where a regular expression does', (label) => {
    const term = compileTerm(label, false);
    fc.assert(
      fc.property(text, (t) => {
        expect(containsTerm(t.toLowerCase(), term)).toBe(reference(t, label));
      }),
      { numRuns: 500 },
    );
  });

  it('gives the same answer in steps over a long text, wherever the phrase is', async () => {
    const term = compileTerm('ignore previous instructions', false);
    const padding = 'lorem ipsum '.repeat(20_000);
    for (const at of [0, 65_530, 131_070, padding.length]) {
      const long = `${padding.slice(0, at)} ignore  previous\ninstructions ${padding.slice(at)}`;
      expect(await containsTermPausing(long, term, RequestBudget.unlimited())).toBe(true);
    }
    expect(await containsTermPausing(padding, term, RequestBudget.unlimited())).toBe(false);
  });
});
