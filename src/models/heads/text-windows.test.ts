import { describe, expect, it } from 'vitest';
import { checkWindowConfig, textWindows } from './text-windows.ts';

const prose = (chars: number) => 'word '.repeat(Math.ceil(chars / 5)).slice(0, chars);

describe('textWindows', () => {
  it('cuts nothing from a text that fits in one window', () => {
    expect(textWindows(prose(700), { chars: 768, max: 12 })).toEqual([]);
  });

  it.each([
    { name: 'a text a little longer than a window', chars: 1000 },
    { name: 'a long document', chars: 8192 },
    { name: 'a huge text', chars: 200_000 },
  ])('covers $name from start to end in at most max windows of the window size', ({ chars }) => {
    const text = prose(chars);
    const windows = textWindows(text, { chars: 768, max: 12 });
    expect(windows.length).toBeGreaterThan(0);
    expect(windows.length).toBeLessThanOrEqual(12);
    expect(windows[0]?.start).toBe(0);
    expect(windows.at(-1)?.end).toBeGreaterThan(chars - 30);
    for (const w of windows) expect(w.end - w.start).toBeLessThanOrEqual(768);
  });

  it('overlaps consecutive windows when the count allows, so a sentence on a cut is read whole', () => {
    const windows = textWindows(prose(3000), { chars: 768, max: 12 });
    for (let i = 1; i < windows.length; i++)
      expect(windows[i]?.start).toBeLessThan(windows[i - 1]?.end as number);
  });

  it('reads no window with max 0', () => {
    expect(textWindows(prose(5000), { chars: 768, max: 0 })).toEqual([]);
  });

  it('rejects a window too small to read or too many windows', () => {
    expect(() => checkWindowConfig({ chars: 10, max: 4 })).toThrow(/chars/);
    expect(() => checkWindowConfig({ chars: 768, max: 1000 })).toThrow(/max/);
  });
});
