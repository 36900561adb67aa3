import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RequestBudget } from '../../request/request-budget.ts';
import { detectPii, resolveOverlaps } from '../pii/detectors.ts';
import { type Finding, scanInWindows } from './windows.ts';

/** Small windows, so that short texts cross many edges. */
const SMALL = { window: 64, overlap: 40, margin: 8 };

function allMatches(regex: RegExp, text: string): Finding[] {
  return [...text.matchAll(regex)].map((m) => ({ start: m.index, end: m.index + m[0].length }));
}

/** Texts of words, numbers, addresses and punctuation, so that findings and edges meet often. */
const pieces = fc.array(
  fc.constantFrom(
    'foo12',
    'bar',
    ' ',
    '  ',
    '\n',
    'a@b.co',
    'jane.doe@example.com',
    '+1 415 555 0132',
    '4111 1111 1111 1111',
    '.',
    ',',
    'x',
    '9',
  ),
  { maxLength: 120 },
);

describe('scanInWindows', () => {
  it('finds exactly what a scan of the whole text finds, for findings shorter than the overlap', async () => {
    const regex = /\bfoo\d+\b|bar$|^x/g;
    await fc.assert(
      fc.asyncProperty(pieces, async (parts) => {
        const text = parts.join('');
        const windowed = await scanInWindows(
          text,
          RequestBudget.unlimited(),
          (window) => allMatches(regex, window),
          false,
          SMALL,
        );
        expect(windowed).toEqual(allMatches(regex, text));
      }),
      { numRuns: 500 },
    );
  });

  it('finds the personal data a scan of the whole text finds', async () => {
    await fc.assert(
      fc.asyncProperty(pieces, async (parts) => {
        const text = parts.join('');
        // Overlap minus margin (64) above the longest identifier in these texts; margin above the
        // detectors' look-back for context words (48).
        const windowed = await scanInWindows(text, RequestBudget.unlimited(), detectPii, false, {
          window: 128,
          overlap: 120,
          margin: 56,
        });
        const key = (s: Finding & { type?: string }) => `${s.type}:${s.start}-${s.end}`;
        expect(resolveOverlaps(windowed).map(key)).toEqual(detectPii(text).map(key));
      }),
      { numRuns: 500 },
    );
  });

  it('stops at the first finding when asked', async () => {
    const found = await scanInWindows(
      'aaa x aaa x',
      RequestBudget.unlimited(),
      (w) => allMatches(/x/g, w),
      true,
      SMALL,
    );
    expect(found).toEqual([{ start: 4, end: 5 }]);
  });
});
