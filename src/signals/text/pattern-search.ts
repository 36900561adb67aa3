import type { RequestBudget } from '../../request/request-budget.ts';
import { type Finding, scanInWindows, WHOLE_TEXT_CHARS } from './windows.ts';

/** A policy's regular expression, compiled once (Unicode mode; case-insensitive unless asked). */
export interface Pattern {
  readonly label: string;
  /** For a whole text: `test`. */
  readonly regex: RegExp;
  /** The same expression with the `g` flag, for walking the matches of a window. */
  readonly walker: RegExp;
}

export function compilePattern(source: string, caseSensitive: boolean): Pattern {
  const flags = caseSensitive ? 'u' : 'iu';
  return { label: `/${source}/`, regex: new RegExp(source, flags), walker: new RegExp(source, `g${flags}`) };
}

/** The first match of the window that `keeps` accepts, if any. */
function firstKeptMatch(walker: RegExp, window: string, keeps: (finding: Finding) => boolean): Finding[] {
  walker.lastIndex = 0;
  for (;;) {
    const match = walker.exec(window);
    if (!match) return [];
    const finding = { start: match.index, end: match.index + match[0].length };
    if (keeps(finding)) return [finding];
    // An empty match would be found again at the same place.
    if (match[0].length === 0) walker.lastIndex++;
  }
}

/**
 * Whether the pattern matches the text. A text longer than {@link WHOLE_TEXT_CHARS} is searched
 * window by window, pausing on the budget: a match longer than a few kilobytes that crosses a window
 * edge is then not seen (see `scanInWindows`). Patterns are vetted to run in linear time.
 */
export function patternFound(
  pattern: Pattern,
  text: string,
  budget: RequestBudget,
): boolean | Promise<boolean> {
  if (text.length <= WHOLE_TEXT_CHARS) return pattern.regex.test(text);
  return scanInWindows(
    text,
    budget,
    (window, keeps) => firstKeptMatch(pattern.walker, window, keeps),
    true,
  ).then((found) => found.length > 0);
}
