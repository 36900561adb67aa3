import { isWordAt } from '../../request/chars.ts';
import type { SignalSpan } from '../signal.ts';
import { AT, COLON, DASH, DOT, isAsciiAlnum } from './chars.ts';
import { detectNumbers } from './numbers.ts';
import type { PiiSpan } from './pii-types.ts';
import { IBAN_LENGTHS, ibanValid, ipv6Valid } from './validators.ts';

/**
 * Finds structured identifiers in a text. Each detector scans the text once, starting only where
 * its identifier can start (an `@`, a digit, two letters before two digits, a `:`), and checks what it
 * finds with the identifier's own rules (checksums, registries, formats). Cost is linear in the text.
 */

function isHex(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 97 && code <= 102) || (code >= 65 && code <= 70);
}

/**
 * Characters of an email's local part as people write them: letters (Latin ones with accents too, as
 * in `josé.garcía@`), digits and `._%+-`. Other scripts are left out: in text written without spaces
 * they would pull the words before an address into it.
 */
function isLocalChar(code: number): boolean {
  if (code >= 0xc0 && code <= 0x24f) return code !== 0xd7 && code !== 0xf7; // not × and ÷
  return isAsciiAlnum(code) || code === DOT || code === 95 || code === 37 || code === 43 || code === DASH;
}

function isDomainChar(code: number): boolean {
  return isAsciiAlnum(code) || code === DOT || code === DASH;
}

const DOMAIN_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const TOP_LEVEL = /^(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})$/;

/** `local@domain.tld`: a 1-64 character local part without `..`, and a domain of 2+ valid labels. */
function detectEmails(text: string, out: PiiSpan[]): void {
  let floor = 0;
  for (let at = text.indexOf('@'); at >= 0; at = text.indexOf('@', at + 1)) {
    let start = at;
    while (start > floor && isLocalChar(text.charCodeAt(start - 1))) start--;
    while (start < at && text.charCodeAt(start) === DOT) start++;
    let end = at + 1;
    while (end < text.length && isDomainChar(text.charCodeAt(end))) end++;
    floor = end;
    while (end > at + 1 && (text.charCodeAt(end - 1) === DOT || text.charCodeAt(end - 1) === DASH)) end--;
    const local = text.slice(start, at);
    if (local.length === 0 || local.length > 64 || local.endsWith('.') || local.includes('..')) continue;
    if (text.charCodeAt(end) === AT || end - at - 1 > 253) continue;
    const labels = text.slice(at + 1, end).split('.');
    const tld = labels.at(-1) ?? '';
    if (labels.length < 2 || !TOP_LEVEL.test(tld) || !labels.every((l) => DOMAIN_LABEL.test(l))) continue;
    out.push({ type: 'EMAIL_ADDRESS', start, end, score: 0.9 });
  }
}

/** Where an IBAN may start: two letters of one case and two check digits, at the start of a word. */
const IBAN_START = /(?<![\p{L}\p{N}_])(?:[A-Z]{2}|[a-z]{2})\d\d/gu;

/**
 * IBANs written compact (`GB82WEST12345698765432`) or in groups of four (`GB82 WEST 1234 ...`), of
 * the country's registered length, with a valid mod-97 checksum.
 */
function detectIbans(text: string, out: PiiSpan[]): void {
  IBAN_START.lastIndex = 0;
  for (let match = IBAN_START.exec(text); match; match = IBAN_START.exec(text)) {
    const start = match.index;
    const length = IBAN_LENGTHS.get(match[0].slice(0, 2).toUpperCase());
    if (length === undefined) continue;
    let compact = match[0];
    let k = start + 4;
    while (compact.length < length && k < text.length) {
      const code = text.charCodeAt(k);
      if (isAsciiAlnum(code)) {
        compact += text.charAt(k);
        k++;
      } else if (code === 32 && compact.length % 4 === 0 && isAsciiAlnum(text.charCodeAt(k + 1))) {
        k++;
      } else break;
    }
    if (compact.length !== length || isWordAt(text, k) || !ibanValid(compact)) continue;
    out.push({ type: 'IBAN_CODE', start, end: k, score: 0.95 });
    IBAN_START.lastIndex = k;
  }
}

/**
 * IPv6 addresses, found from their colons: the run of hex digits, `:` and `.` around each colon is
 * read once and checked as RFC 4291 text. Compressed forms need a group of three or more hex digits,
 * so code like `a::b` or `x[1::2]` is not taken for an address.
 */
function detectIpv6(text: string, out: PiiSpan[]): void {
  let from = 0;
  for (let colon = text.indexOf(':'); colon >= 0; colon = text.indexOf(':', from)) {
    let start = colon;
    while (start > from && (isHex(text.charCodeAt(start - 1)) || text.charCodeAt(start - 1) === COLON))
      start--;
    let end = colon + 1;
    while (end < text.length) {
      const code = text.charCodeAt(end);
      if (!isHex(code) && code !== COLON && code !== DOT) break;
      end++;
    }
    from = end + 1;
    if (isWordAt(text, start - 1) || isWordAt(text, end)) continue;
    while (end > start && text.charCodeAt(end - 1) === DOT) end--;
    if (text.charCodeAt(end - 1) === COLON && text.charCodeAt(end - 2) !== COLON) end--;
    if (text.charCodeAt(start) === COLON && text.charCodeAt(start + 1) !== COLON) start++;
    let colons = 0;
    for (let k = start; k < end && colons < 2; k++) if (text.charCodeAt(k) === COLON) colons++;
    if (colons < 2) continue;
    const candidate = text.slice(start, end);
    if (!/\d/.test(candidate) || !ipv6Valid(candidate)) continue;
    if (candidate.includes('::') && !/[0-9A-Fa-f]{3}/.test(candidate)) continue;
    out.push({ type: 'IP_ADDRESS', start, end, score: 0.85 });
  }
}

/**
 * Keeps one span where spans overlap: the higher score, then the longer. Spans come out sorted by start.
 */
export function resolveOverlaps<Span extends SignalSpan>(spans: Span[]): Span[] {
  if (spans.length < 2) return spans;
  spans.sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: Span[] = [];
  for (const span of spans) {
    const last = kept.at(-1);
    if (!last || span.start >= last.end) {
      kept.push(span);
      continue;
    }
    const better =
      span.score > last.score || (span.score === last.score && span.end - span.start > last.end - last.start);
    if (better) kept[kept.length - 1] = span;
  }
  return kept;
}

/**
 * Every structured identifier in `text` (emails, phone numbers, payment cards, IBANs, US SSNs, IPv4
 * and IPv6 addresses) with its score, sorted by start, without overlaps. Weak candidates (e.g. a
 * phone number without formatting or context) are included with low scores; callers apply their
 * own threshold.
 */
export function detectPii(text: string): PiiSpan[] {
  const found: PiiSpan[] = [];
  if (text.length === 0) return found;
  if (text.includes('@')) detectEmails(text, found);
  detectNumbers(text, found);
  detectIbans(text, found);
  if (text.includes(':')) detectIpv6(text, found);
  return resolveOverlaps(found);
}
