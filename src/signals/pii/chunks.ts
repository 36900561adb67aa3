import { CLOSE, DASH, DOT, isDigit, OPEN, PLUS, SPACE } from './chars.ts';

function readDigits(text: string, from: number): number {
  let j = from;
  while (j < text.length && isDigit(text.charCodeAt(j))) j++;
  return j;
}

function skipSeparator(text: string, at: number): number {
  const code = text.charCodeAt(at);
  return code === SPACE || code === DASH || code === DOT ? at + 1 : at;
}

/** A phone extension right after a number (`x123`, `ext. 123`): its end, or `from` when there is none. */
function readExtension(text: string, from: number): number {
  let j = from;
  if (text.charCodeAt(j) === SPACE) j++;
  const code = text.charCodeAt(j) | 32; // lower case
  if (code === 120 /* x */) j += 1;
  else if (code === 101 /* e */ && text.slice(j, j + 3).toLowerCase() === 'ext') {
    j += text.charCodeAt(j + 3) === DOT ? 4 : 3;
  } else return from;
  if (text.charCodeAt(j) === SPACE) j++;
  const end = readDigits(text, j);
  return end > j && end - j <= 6 ? end : from;
}

/**
 * Reads "chunks": maximal runs of digit groups joined by phone-style separators, such as
 * `+46 (0)8 928 571 38`, `4454 7945 1139 0933` or `10.0.0.1`. Groups are joined by at most one space,
 * `-` or `.`; a group may be in parentheses when a separator comes before it and more digits after it
 * (`(0)8`, `(579)888-3058`, but not `0.52(14)` or `524 (1895)`). One reader is reused for every chunk
 * of a text, so reading allocates nothing per chunk.
 */
export class ChunkReader {
  readonly text: string;
  start = 0;
  /** End of the number itself, a closing parenthesis included. */
  end = 0;
  /** End including a phone extension. */
  spanEnd = 0;
  /** Start and end of each group's digits, in pairs; `groupCount` pairs are valid. */
  readonly bounds: number[] = [];
  groupCount = 0;
  /** Digits of all groups together, the extension not counted. */
  digitCount = 0;
  plus = false;
  parens = false;
  #from = 0;
  #to = 0;
  #end = 0;

  constructor(text: string) {
    this.text = text;
  }

  /** Reads the chunk at `start` (a digit, `+` or `(`); false when no number starts there. */
  read(start: number): boolean {
    const { text } = this;
    this.start = start;
    this.plus = text.charCodeAt(start) === PLUS;
    if (!this.#group(this.plus ? start + 1 : start)) return false;
    this.groupCount = 0;
    this.digitCount = 0;
    this.parens = false;
    this.#push();
    for (;;) {
      const k = skipSeparator(text, this.end);
      if (!this.#group(k)) break;
      const paren = this.#end !== this.#to;
      if (paren) {
        const from = this.#from;
        const to = this.#to;
        const groupEnd = this.#end;
        if (k === this.end || !this.#group(skipSeparator(text, groupEnd))) break;
        this.#from = from;
        this.#to = to;
        this.#end = groupEnd;
      }
      this.#push();
    }
    this.spanEnd = readExtension(text, this.end);
    return true;
  }

  /** The digits of group `index`. */
  group(index: number): string {
    return this.text.slice(this.bounds[2 * index], this.bounds[2 * index + 1]);
  }

  /** The text between group `index - 1` and group `index` (parentheses included). */
  separator(index: number): string {
    return this.text.slice(this.bounds[2 * index - 1], this.bounds[2 * index]);
  }

  #push(): void {
    this.bounds[2 * this.groupCount] = this.#from;
    this.bounds[2 * this.groupCount + 1] = this.#to;
    this.groupCount++;
    this.digitCount += this.#to - this.#from;
    this.parens ||= this.#end !== this.#to;
    this.end = this.#end;
  }

  /** Digits, or digits in parentheses, at `at`. */
  #group(at: number): boolean {
    const { text } = this;
    const paren = text.charCodeAt(at) === OPEN;
    const from = paren ? at + 1 : at;
    const to = readDigits(text, from);
    if (to === from || (paren && text.charCodeAt(to) !== CLOSE)) return false;
    this.#from = from;
    this.#to = to;
    this.#end = paren ? to + 1 : to;
    return true;
  }
}
