import { isSpace, isWordAt } from '../../request/chars.ts';
import type { RequestBudget } from '../../request/request-budget.ts';

/**
 * A literal word or phrase to find in a text: its words (lower case unless matching is
 * case-sensitive), any run of whitespace matching the space between two of them, and a word
 * boundary needed at each edge that is a word character.
 */
export interface Term {
  readonly label: string;
  readonly words: readonly string[];
  readonly boundedStart: boolean;
  readonly boundedEnd: boolean;
}

export function compileTerm(label: string, caseSensitive: boolean): Term {
  const text = caseSensitive ? label.trim() : label.trim().toLowerCase();
  const words = text.split(/\s+/);
  const last = words.at(-1) ?? '';
  return {
    label,
    words,
    boundedStart: isWordAt(text, 0),
    boundedEnd: last.length > 0 && isWordAt(last, last.length - 1),
  };
}

/** Whether the term occurs in `text` starting at `at` (where its first word is). */
function matchesAt(text: string, term: Term, at: number): boolean {
  if (term.boundedStart && at > 0 && isWordAt(text, at - 1)) return false;
  let position = at + (term.words[0]?.length ?? 0);
  for (let i = 1; i < term.words.length; i++) {
    const word = term.words[i] as string;
    const spaceStart = position;
    while (position < text.length && isSpace(text.charCodeAt(position))) position++;
    if (position === spaceStart || !text.startsWith(word, position)) return false;
    position += word.length;
  }
  return !term.boundedEnd || position === text.length || !isWordAt(text, position);
}

/**
 * Looks for one term in one text, resumably: each call goes on from where the last one stopped.
 * Occurrences of the first word are found with `indexOf`, and each is checked in time bounded by
 * the phrase and the whitespace after it, so a whole scan is linear in the text.
 */
class TermScanner {
  readonly #text: string;
  readonly #term: Term;
  /** Where the next occurrence of the first word is, once looked up (-1: there is none). */
  #candidate: number | undefined;
  #from = 0;

  constructor(text: string, term: Term) {
    this.#text = text;
    this.#term = term;
  }

  /** Whether the term starts somewhere before `until` (and after the positions earlier calls covered). */
  foundBefore(until: number): boolean {
    const first = this.#term.words[0] ?? '';
    for (;;) {
      this.#candidate ??= this.#text.indexOf(first, this.#from);
      const at = this.#candidate;
      if (at < 0 || at >= until) return false;
      this.#candidate = undefined;
      this.#from = at + 1;
      if (matchesAt(this.#text, this.#term, at)) return true;
    }
  }
}

/** Whether the term occurs in the text; the whole text in one go (for texts that are not long). */
export function containsTerm(text: string, term: Term): boolean {
  const first = term.words[0] ?? '';
  for (let at = text.indexOf(first); at >= 0; at = text.indexOf(first, at + 1)) {
    if (matchesAt(text, term, at)) return true;
  }
  return false;
}

/** Characters of a long text searched between two looks at the budget. */
const STEP_CHARS = 64 * 1024;

/** {@link containsTerm} for a long text: pauses on the budget between steps. */
export async function containsTermPausing(text: string, term: Term, budget: RequestBudget): Promise<boolean> {
  const scanner = new TermScanner(text, term);
  for (let until = STEP_CHARS; ; until += STEP_CHARS) {
    if (scanner.foundBefore(Math.min(until, text.length))) return true;
    if (until >= text.length) return false;
    if (budget.due()) await budget.pause();
  }
}
