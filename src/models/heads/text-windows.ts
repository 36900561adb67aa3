/**
 * How a detection head reads a long text besides reading it whole: in windows of `chars`
 * characters, at most `max` of them, spread evenly over the text (overlapping by half a window
 * when the count allows, further apart when it does not), so an instruction buried in a document
 * is read without the rest diluting it, and the work per text stays bounded.
 */
export interface WindowConfig {
  chars: number;
  max: number;
}

/** One window: `[start, end)` in UTF-16 code units of the text it was cut from. */
export interface TextWindow {
  start: number;
  end: number;
}

/** Moves a cut forward to just after the next whitespace, if one is near, so words stay whole. */
function snap(text: string, at: number): number {
  if (at === 0) return 0;
  for (let i = at; i < Math.min(text.length, at + 24); i++) if (/\s/u.test(text.charAt(i))) return i + 1;
  return at;
}

/** The windows of `text` (none when it fits in one window: then the text itself is the only reading). */
export function textWindows(text: string, config: WindowConfig): TextWindow[] {
  const { chars, max } = config;
  if (max < 1 || text.length <= chars) return [];
  const span = text.length - chars;
  const count = Math.min(max, Math.ceil(span / (chars / 2)) + 1);
  if (count === 1) return [{ start: 0, end: chars }];
  const windows: TextWindow[] = [];
  for (let i = 0; i < count; i++) {
    const start = snap(text, Math.floor((span * i) / (count - 1)));
    windows.push({ start, end: Math.min(text.length, start + chars) });
  }
  return windows;
}

/** Checks a window config read from a card or a policy; throws naming the bad field. */
export function checkWindowConfig(config: WindowConfig): void {
  if (!Number.isInteger(config.chars) || config.chars < 64)
    throw new Error(`windows.chars must be an integer >= 64, got ${config.chars}`);
  if (!Number.isInteger(config.max) || config.max < 0 || config.max > 64)
    throw new Error(`windows.max must be an integer within 0..64, got ${config.max}`);
}
