/**
 * Tokens and token features of the named-entity tagger, shared by its training and the runtime
 * so both compute exactly the same inputs.
 */

/** A word (a run of letters and digits) or one other non-space character, with its offsets. */
export interface NameToken {
  text: string;
  start: number;
  end: number;
  /** The whitespace before it holds a line break (or it starts the text). */
  lineStart: boolean;
}

const TOKEN = /[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu;
const UPPER = /\p{Lu}/u;
const LOWER = /\p{Ll}/u;
const DIGIT = /\p{N}/u;
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

/** The tokens of `text`, at most `limit` of them. */
export function nameTokens(text: string, limit = Number.POSITIVE_INFINITY): NameToken[] {
  const tokens: NameToken[] = [];
  let previousEnd = 0;
  for (const match of text.matchAll(TOKEN)) {
    if (tokens.length >= limit) break;
    const start = match.index;
    const gap = text.slice(previousEnd, start);
    tokens.push({
      text: match[0],
      start,
      end: start + match[0].length,
      lineStart: tokens.length === 0 || gap.includes('\n'),
    });
    previousEnd = start + match[0].length;
  }
  return tokens;
}

/** The token's shape: upper → X, lower → x, digit → d, runs longer than two cut to two (`Xxxx` → `Xxx`). */
export function tokenShape(token: string): string {
  let shape = '';
  let last = '';
  let run = 0;
  for (const char of token) {
    const code = char.charCodeAt(0);
    const kind =
      code < 128
        ? code >= 65 && code <= 90
          ? 'X'
          : code >= 97 && code <= 122
            ? 'x'
            : code >= 48 && code <= 57
              ? 'd'
              : char
        : UPPER.test(char)
          ? 'X'
          : LOWER.test(char)
            ? 'x'
            : DIGIT.test(char)
              ? 'd'
              : char;
    run = kind === last ? run + 1 : 1;
    last = kind;
    if (run <= 2) shape += kind;
  }
  return shape;
}

/** Each token's lower-case text and shape, computed once per text for {@link sparseFeatures}. */
export interface NameFeatureContext {
  lower: string[];
  shape: string[];
}

/** The per-token values every token's features read, for a whole text. */
export function featureContext(tokens: readonly NameToken[]): NameFeatureContext {
  return { lower: tokens.map((t) => t.text.toLowerCase()), shape: tokens.map((t) => tokenShape(t.text)) };
}

/** Upper bounds of the word-frequency bins (the word's rank in the encoder's vocabulary). */
const RANK_BINS = [1000, 10_000, 30_000, 100_000] as const;

/**
 * Width of the dense shape input: capitalised, all upper, has a digit, punctuation, line start,
 * then one flag per word-frequency bin (none set for a word without a vector).
 */
export const NAME_DENSE_FEATURES = 5 + RANK_BINS.length;

/** The dense shape features of token `i`; `rank` is its word's frequency rank (0: most frequent), if known. */
export function denseShape(tokens: readonly NameToken[], i: number, rank: number | undefined): Float32Array {
  const token = tokens[i] as NameToken;
  const first = token.text.charAt(0);
  const out = new Float32Array(NAME_DENSE_FEATURES);
  out[0] = UPPER.test(first) ? 1 : 0;
  out[1] = token.text.length > 1 && token.text === token.text.toUpperCase() && UPPER.test(token.text) ? 1 : 0;
  out[2] = DIGIT.test(token.text) ? 1 : 0;
  out[3] = LETTER_OR_DIGIT.test(first) ? 0 : 1;
  out[4] = token.lineStart ? 1 : 0;
  if (rank !== undefined) {
    const bin = RANK_BINS.findIndex((limit) => rank < limit);
    if (bin >= 0) out[5 + bin] = 1;
  }
  return out;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function hash(text: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), FNV_PRIME);
  return h >>> 0;
}

function lengthBin(length: number): string {
  return length <= 1 ? '1' : length <= 3 ? '3' : length <= 6 ? '6' : length <= 10 ? '10' : 'long';
}

/**
 * The hashed sparse features of token `i` (ids below `buckets`, a power of two; each value
 * 1/sqrt(count)): the word, its shape, affixes and length, and the words and shapes around it.
 * `context` is {@link featureContext} of the same tokens.
 */
export function sparseFeatures(
  tokens: readonly NameToken[],
  i: number,
  buckets: number,
  context: NameFeatureContext,
): { ids: Int32Array; values: Float32Array } {
  const token = tokens[i] as NameToken;
  const lower = context.lower[i] as string;
  const own = context.shape[i] as string;
  const word = (k: number) => context.lower[i + k] ?? (k < 0 ? '<s>' : '</s>');
  const shape = (k: number) => context.shape[i + k] ?? (k < 0 ? '<s>' : '</s>');
  const names = [
    `w=${lower}`,
    `s=${own}`,
    `p3=${lower.slice(0, 3)}`,
    `x3=${lower.slice(-3)}`,
    `x2=${lower.slice(-2)}`,
    `len=${lengthBin(token.text.length)}`,
    `w-1=${word(-1)}`,
    `w-2=${word(-2)}`,
    `w+1=${word(1)}`,
    `w+2=${word(2)}`,
    `w-3=${word(-3)}`,
    `w+3=${word(3)}`,
    `s-2=${shape(-2)}`,
    `s+2=${shape(2)}`,
    `s-1=${shape(-1)}`,
    `s+1=${shape(1)}`,
    `w-1|s=${word(-1)}|${own}`,
    `s-1|s|s+1=${shape(-1)}|${own}|${shape(1)}`,
    token.lineStart ? 'line-start' : 'inline',
  ];
  const mask = buckets - 1;
  const ids = new Int32Array(names.length);
  let count = 0;
  for (const name of names) {
    const id = hash(name) & mask;
    let seen = false;
    for (let k = 0; k < count; k++) if (ids[k] === id) seen = true;
    if (!seen) ids[count++] = id;
  }
  const unique = ids.subarray(0, count).sort();
  return { ids: unique, values: new Float32Array(count).fill(1 / Math.sqrt(count)) };
}
