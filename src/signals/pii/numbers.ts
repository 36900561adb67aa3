import { isWordAt } from '../../request/chars.ts';
import { AT, COLON, COMMA, DASH, DOT, isDigit, numberAt, OPEN, PLUS, SLASH } from './chars.ts';
import { ChunkReader } from './chunks.ts';
import { hasContext, PHONE_CONTEXT, SSN_CONTEXT } from './context.ts';
import type { PiiSpan, PiiType } from './pii-types.ts';
import { cardNumberValid, ipv4Valid, ssnValid } from './validators.ts';

/**
 * Identifiers written with digits: payment cards, US SSNs, IPv4 addresses and phone numbers. Each
 * maximal run of digit groups (a chunk, see {@link ChunkReader}) is read once and classified once, so
 * the cost is linear in the text and no number is ever found inside a longer run of digits.
 */

const CURRENCY = /[$€£¥₹]/;

/** Whether a number may start at `index`: not inside a word, a decimal, a time, a date or an address. */
function boundaryBefore(text: string, index: number): boolean {
  if (index === 0) return true;
  const prev = text.charCodeAt(index - 1);
  if (prev === DOT || prev === AT || isWordAt(text, index - 1)) return false;
  if (prev === DASH || prev === COLON || prev === SLASH || prev === PLUS || prev === COMMA) {
    return index < 2 || !isDigit(text.charCodeAt(index - 2));
  }
  return true;
}

/** Whether a number may end at `index`: the next character does not continue it. */
function boundaryAfter(text: string, index: number): boolean {
  if (index >= text.length) return true;
  const next = text.charCodeAt(index);
  if (next === AT || isWordAt(text, index)) return false;
  // a decimal part, a time, or a list of numbers written without spaces
  if (next === DOT || next === COMMA || next === COLON) return !isDigit(text.charCodeAt(index + 1));
  return true;
}

function groupLength(chunk: ChunkReader, k: number): number {
  return (chunk.bounds[2 * k + 1] ?? 0) - (chunk.bounds[2 * k] ?? 0);
}

function groupValue(chunk: ChunkReader, k: number): number {
  return numberAt(chunk.text, chunk.bounds[2 * k] ?? 0, chunk.bounds[2 * k + 1] ?? 0);
}

function isYear(chunk: ChunkReader, k: number): boolean {
  const value = groupValue(chunk, k);
  return groupLength(chunk, k) === 4 && value >= 1900 && value <= 2099;
}

function isAtMost(chunk: ChunkReader, k: number, max: number): boolean {
  const value = groupValue(chunk, k);
  return groupLength(chunk, k) <= 2 && value >= 1 && value <= max;
}

/** `2024-05-17`, `17.05.2024`, `05 17 2024` (a time may follow), or a range of years `1990-2000`. */
function looksLikeDate(chunk: ChunkReader): boolean {
  const count = chunk.groupCount;
  if (count < 2) return false;
  if (count === 2) return isYear(chunk, 0) && isYear(chunk, 1);
  if (isYear(chunk, 0) && isAtMost(chunk, 1, 12) && isAtMost(chunk, 2, 31)) return true;
  return (
    isYear(chunk, 2) &&
    isAtMost(chunk, 0, 31) &&
    isAtMost(chunk, 1, 31) &&
    (groupValue(chunk, 0) <= 12 || groupValue(chunk, 1) <= 12)
  );
}

/** Separators all equal, and one of `allowed` (true when there is none). */
function uniformSeparators(separators: readonly string[], allowed: string): boolean {
  const [first] = separators;
  if (first === undefined) return true;
  return first.length === 1 && allowed.includes(first) && separators.every((s) => s === first);
}

/** A chunk with its groups as strings, built only for chunks that may be an identifier. */
interface Written {
  chunk: ChunkReader;
  groups: string[];
  separators: string[];
  digits: string;
}

function written(chunk: ChunkReader): Written {
  const groups: string[] = [];
  const separators: string[] = [];
  for (let k = 0; k < chunk.groupCount; k++) {
    groups.push(chunk.group(k));
    if (k > 0) separators.push(chunk.separator(k));
  }
  return { chunk, groups, separators, digits: groups.join('') };
}

/** Card numbers are written in one block, or in groups of 4 (Amex and Diners: 4-6-5, 4-6-4). */
function cardGrouping({ chunk, groups, separators }: Written): boolean {
  if (chunk.plus || chunk.parens || !uniformSeparators(separators, ' -')) return false;
  const [first, ...rest] = groups;
  return rest.length === 0 || (first?.length === 4 && rest.every((g) => g.length >= 3 && g.length <= 6));
}

/** `123 456 789`, `1.234.567`: groups of three after the first, as large numbers are written. */
function thousandsGrouping({ groups, separators }: Written): boolean {
  const [first, ...rest] = groups;
  return (
    first !== undefined &&
    first.length <= 3 &&
    rest.length > 0 &&
    rest.every((g) => g.length === 3) &&
    uniformSeparators(separators, ' .')
  );
}

/** The North American plan: `555-123-4567`, `(555) 123-4567`, `1 555 123 4567`. */
function nanpGrouping({ groups, separators }: Written): boolean {
  const lengths = groups.map((g) => g.length).join('-');
  const shape = lengths === '3-3-4' || (lengths === '1-3-3-4' && groups[0] === '1');
  return (
    shape &&
    uniformSeparators(
      separators.filter((s) => s !== ')' && s !== ') '),
      ' -.',
    )
  );
}

/** Ten digits whose area code and exchange start with 2-9, optionally after a leading 1. */
function nanpDigits(digits: string): boolean {
  const national = digits.length === 11 && digits[0] === '1' ? digits.slice(1) : digits;
  return (
    national.length === 10 &&
    national[0] !== '0' &&
    national[0] !== '1' &&
    national[3] !== '0' &&
    national[3] !== '1'
  );
}

interface Verdict {
  type: PiiType;
  score: number;
}

/**
 * Phone numbers, scored by how they are written: 0.9 with a `+` country code, 0.75 after an `00`
 * international prefix, 0.7 in North American format, 0.6 with an area code in parentheses, 0.45 for
 * other groupings, 0.3-0.4 for one block of digits or groups of three (as large numbers are written).
 * A context word nearby (`phone`, `call`, `fax`, ...) adds 0.35.
 */
function phoneVerdict(text: string, number: Written): Verdict | undefined {
  const { chunk, groups, separators, digits } = number;
  if (digits.length < 7 || digits.length > 15) return undefined;
  if (chunk.start > 0 && CURRENCY.test(text.charAt(chunk.start - 1))) return undefined;
  const dots = separators.filter((s) => s === '.').length;
  // decimals, alone or in a list (`0.25`, `1.5 2.5`), and version numbers (`10.4.1.2`)
  if (dots > 0 && (dots < separators.length || groups[0] === '0')) return undefined;
  if (dots > 0 && (groups.length < 3 || !groups.every((g) => g.length >= 2 && g.length <= 4)))
    return undefined;
  if (chunk.plus)
    return digits[0] !== '0' && digits.length >= 8 ? { type: 'PHONE_NUMBER', score: 0.9 } : undefined;
  let score: number;
  if (groups.length === 1) score = nanpDigits(digits) ? 0.4 : 0.3;
  else if (digits.startsWith('00') && digits.length >= 10) score = 0.75;
  else if (nanpGrouping(number)) score = 0.7;
  else if (chunk.parens) score = 0.6;
  else if (thousandsGrouping(number)) score = 0.3;
  else score = 0.45;
  if (hasContext(text, chunk.start, chunk.spanEnd, PHONE_CONTEXT)) score += 0.35;
  return { type: 'PHONE_NUMBER', score: Math.min(0.95, score) };
}

/** What a chunk is, if anything: checked as an IPv4 address, a date, an SSN, a card, then a phone. */
function classify(chunk: ChunkReader): Verdict | undefined {
  const { text } = chunk;
  if (looksLikeDate(chunk)) return undefined;
  const number = written(chunk);
  const { groups, separators, digits } = number;
  const plain = !chunk.plus && !chunk.parens && chunk.spanEnd === chunk.end;
  if (plain && groups.length === 4 && separators.every((s) => s === '.')) {
    return ipv4Valid(groups) ? { type: 'IP_ADDRESS', score: 0.8 } : undefined;
  }
  if (
    plain &&
    digits.length === 9 &&
    groups.length === 3 &&
    groups[0]?.length === 3 &&
    groups[1]?.length === 2
  ) {
    const separator = separators[0];
    if (separator === separators[1] && (separator === '-' || separator === ' ')) {
      if (ssnValid(digits)) return { type: 'US_SSN', score: separator === '-' ? 0.85 : 0.6 };
      if (separator === '-') return undefined;
    }
  }
  if (plain && digits.length === 9 && groups.length === 1 && ssnValid(digits)) {
    if (hasContext(text, chunk.start, chunk.end, SSN_CONTEXT)) return { type: 'US_SSN', score: 0.75 };
  }
  if (plain && digits.length >= 12 && digits.length <= 19 && cardGrouping(number)) {
    if (cardNumberValid(digits)) return { type: 'CREDIT_CARD', score: 0.95 };
    if (digits.length > 12) return undefined;
  }
  return phoneVerdict(text, number);
}

/** Long enough to be an identifier: 7-19 digits, or four groups that may be an IPv4 address. */
function worthClassifying(chunk: ChunkReader): boolean {
  const { digitCount, groupCount } = chunk;
  return (digitCount >= 7 && digitCount <= 19) || (groupCount === 4 && digitCount >= 4 && digitCount <= 12);
}

const DIGIT = /\d/g;

/** Appends every card, SSN, IPv4 address and phone number in `text` to `out`, with its score. */
export function detectNumbers(text: string, out: PiiSpan[]): void {
  const chunk = new ChunkReader(text);
  DIGIT.lastIndex = 0;
  for (let found = DIGIT.exec(text); found; found = DIGIT.exec(text)) {
    let start = found.index;
    const before = text.charCodeAt(start - 1);
    if (before === PLUS || before === OPEN) start--;
    let next = found.index + 1;
    if (!boundaryBefore(text, start)) {
      while (next < text.length && isWordAt(text, next)) next++;
    } else if (chunk.read(start) || (start < found.index && chunk.read(found.index))) {
      if (worthClassifying(chunk) && boundaryAfter(text, chunk.spanEnd)) {
        const verdict = classify(chunk);
        if (verdict)
          out.push({ type: verdict.type, start: chunk.start, end: chunk.spanEnd, score: verdict.score });
      }
      next = chunk.spanEnd;
    }
    DIGIT.lastIndex = next;
  }
}
