/**
 * Sparse lexical features of a text, shared by training and the runtime head: hashed word
 * uni/bi-grams and character n-grams, weighted by sublinear term frequency, each family scaled to
 * unit length, then the whole vector scaled to unit length. Long and short texts therefore give
 * vectors of the same norm, so a linear head cannot read the text's length from their scale.
 * The config is recorded in the head's card so the runtime reproduces the features exactly.
 */
export interface LexicalConfig {
  /** Hash buckets (a power of two); the head holds one weight row per bucket. */
  buckets: number;
  /** Longest word n-gram (1 = unigrams only, 2 = uni- and bigrams). */
  wordNgrams: number;
  /** Character n-gram lengths, inclusive, or null for none. */
  charNgrams: readonly [number, number] | null;
  /** Share of the squared norm given to the character family when a text has both (0..1). */
  charShare: number;
  /** Longer texts are read as their first and last `maxChars / 2` characters. */
  maxChars: number;
  /**
   * Share of the squared norm given to the text-shape family (0..1; absent or 0: none): one hashed
   * bin per length-independent statistic (share of symbols, longest symbol run, share of upper-case
   * letters, share of tokens mixing letters with symbols or case changes), so gibberish suffixes
   * such as optimised adversarial strings are visible whatever their words.
   */
  shapeShare?: number;
}

/** Feature ids in increasing order and their values (unit L2 norm, or empty for a text with no features). */
export interface SparseFeatures {
  ids: Int32Array;
  values: Float32Array;
}

export const DEFAULT_LEXICAL_CONFIG: LexicalConfig = {
  buckets: 1 << 16,
  wordNgrams: 2,
  charNgrams: [3, 5],
  charShare: 0.5,
  maxChars: 4096,
};

const WORD = /[\p{L}\p{N}]+/gu;
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** Kind markers hashed first, so a word, a bigram and a character n-gram never share a hash. */
const UNIGRAM = 1;
const BIGRAM = 2;
const CHARS = 3;
const SHAPE = 4;

function hashString(seed: number, text: string): number {
  let hash = Math.imul(FNV_OFFSET ^ seed, FNV_PRIME);
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), FNV_PRIME);
  return hash >>> 0;
}

/** Throws when a config cannot be used (e.g. read from a hand-edited card). */
export function checkLexicalConfig(config: LexicalConfig): void {
  const { buckets, wordNgrams, charNgrams, charShare, maxChars } = config;
  if (!Number.isInteger(buckets) || buckets < 2 || (buckets & (buckets - 1)) !== 0)
    throw new Error(`lexical buckets must be a power of two, got ${buckets}`);
  if (!Number.isInteger(wordNgrams) || wordNgrams < 0 || wordNgrams > 3)
    throw new Error(`wordNgrams must be 0..3, got ${wordNgrams}`);
  if (charNgrams !== null && !(charNgrams[0] >= 1 && charNgrams[1] >= charNgrams[0] && charNgrams[1] <= 8))
    throw new Error(`charNgrams must be [min, max] with 1 <= min <= max <= 8`);
  if (!(charShare >= 0 && charShare <= 1)) throw new Error(`charShare must be within 0..1, got ${charShare}`);
  const shapeShare = config.shapeShare ?? 0;
  if (!(shapeShare >= 0 && shapeShare < 1))
    throw new Error(`shapeShare must be within 0..1, got ${shapeShare}`);
  if (!Number.isInteger(maxChars) || maxChars < 16)
    throw new Error(`maxChars must be >= 16, got ${maxChars}`);
}

function clip(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const half = maxChars >> 1;
  return `${text.slice(0, half)} ${text.slice(text.length - half)}`;
}

/**
 * Counts of bucket ids, kept in a dense array with the list of ids seen; reused across calls
 * (featurising is synchronous, so one scratch counter per bucket count is safe).
 */
class BucketCounter {
  readonly counts: Float64Array;
  readonly seen: Int32Array;
  size = 0;
  constructor(buckets: number) {
    this.counts = new Float64Array(buckets);
    this.seen = new Int32Array(buckets);
  }
  add(id: number, amount = 1): void {
    if (this.counts[id] === 0) this.seen[this.size++] = id;
    this.counts[id] = (this.counts[id] as number) + amount;
  }
  /** Sublinear weights (1 + ln tf) of the counted ids scaled to unit norm, added into `into` times `scale`; then clears. */
  drainInto(into: BucketCounter, scale: number): void {
    for (let i = 0; i < this.size; i++) {
      const id = this.seen[i] as number;
      this.counts[id] = 1 + Math.log(this.counts[id] as number);
    }
    let norm = 0;
    for (let i = 0; i < this.size; i++) norm += (this.counts[this.seen[i] as number] as number) ** 2;
    const factor = norm === 0 ? 0 : scale / Math.sqrt(norm);
    for (let i = 0; i < this.size; i++) {
      const id = this.seen[i] as number;
      const value = (this.counts[id] as number) * factor;
      if (value !== 0) into.add(id, value);
      this.counts[id] = 0;
    }
    this.size = 0;
  }
}

const counters = new Map<number, [BucketCounter, BucketCounter, BucketCounter]>();

function countersFor(buckets: number): [BucketCounter, BucketCounter, BucketCounter] {
  let found = counters.get(buckets);
  if (found === undefined) {
    found = [new BucketCounter(buckets), new BucketCounter(buckets), new BucketCounter(buckets)];
    counters.set(buckets, found);
  }
  return found;
}

function countWords(text: string, config: LexicalConfig, counts: BucketCounter): void {
  if (config.wordNgrams === 0) return;
  const mask = config.buckets - 1;
  let previous: string | undefined;
  let beforePrevious: string | undefined;
  for (const match of text.matchAll(WORD)) {
    const word = match[0];
    counts.add(hashString(UNIGRAM, word) & mask);
    if (config.wordNgrams >= 2 && previous !== undefined)
      counts.add(hashString(BIGRAM, `${previous} ${word}`) & mask);
    if (config.wordNgrams >= 3 && beforePrevious !== undefined)
      counts.add(hashString(BIGRAM + 16, `${beforePrevious} ${previous} ${word}`) & mask);
    beforePrevious = previous;
    previous = word;
  }
}

function countChars(text: string, config: LexicalConfig, counter: BucketCounter): void {
  if (config.charNgrams === null) return;
  const [min, max] = config.charNgrams;
  const mask = config.buckets - 1;
  const padded = ` ${text.replace(/\s+/gu, ' ').trim()} `;
  const codes = new Uint16Array(padded.length);
  for (let i = 0; i < padded.length; i++) codes[i] = padded.charCodeAt(i);
  // Hot loop: the counter's arrays in locals, so this stays a tight typed-array loop.
  const { counts, seen } = counter;
  let size = counter.size;
  const seed = Math.imul(FNV_OFFSET ^ CHARS, FNV_PRIME);
  for (let start = 0; start + min <= codes.length; start++) {
    let hash = seed;
    const end = Math.min(codes.length, start + max);
    for (let i = start; i < end; i++) {
      hash = Math.imul(hash ^ (codes[i] as number), FNV_PRIME);
      if (i - start + 1 < min) continue;
      const id = (hash >>> 0) & mask;
      if (counts[id] === 0) seen[size++] = id;
      counts[id] = (counts[id] as number) + 1;
    }
  }
  counter.size = size;
}

const LETTER = /\p{L}/u;
const ALNUM_OR_SPACE = /[\p{L}\p{N}\s]/u;
const UPPER = /\p{Lu}/u;
const WHITESPACE = /\s/u;
const PLAIN_WORD = /^[A-Z]?[a-z]*[.,!?;:'"]*$/;
/** Bin edges of each shape statistic (a value goes to the first bin whose edge exceeds it). */
const SHAPE_BINS = {
  symbols: [0.02, 0.04, 0.07, 0.1, 0.15, 0.25],
  run: [2, 3, 4, 6],
  upper: [0.03, 0.08, 0.15, 0.3, 0.6],
  messy: [0.02, 0.05, 0.1, 0.2, 0.35],
} as const;

function bin(value: number, edges: readonly number[]): number {
  let i = 0;
  while (i < edges.length && value >= (edges[i] as number)) i++;
  return i;
}

/** A token mixing letters with symbols inside it, or with a lower → upper case change (e.g. `({[HTMLsvg`, `githubRelative`). */
function isMessy(token: string): boolean {
  // Most tokens are plain words, possibly capitalised or followed by punctuation: never messy.
  if (PLAIN_WORD.test(token)) return false;
  const core = token.replace(/^[\p{P}\p{S}]|[.,!?;:'"]+$/gu, '');
  if (!LETTER.test(core)) return false;
  let symbols = 0;
  for (const ch of core) if (!ALNUM_OR_SPACE.test(ch)) symbols++;
  return symbols > 0 || /\p{Ll}\p{Lu}/u.test(core);
}

/** The hashed ids of a text's shape bins (one per statistic), computed on the original (cased) text. */
export function shapeFeatureIds(text: string, buckets: number): number[] {
  let visible = 0;
  let symbols = 0;
  let letters = 0;
  let upper = 0;
  let run = 0;
  let longest = 0;
  for (const ch of text) {
    // ASCII is classified by code (this runs per character of every request); the rest by regex.
    const code = ch.charCodeAt(0);
    const ascii = code < 128;
    if (ascii ? code === 32 || (code >= 9 && code <= 13) : WHITESPACE.test(ch)) {
      run = 0;
      continue;
    }
    visible++;
    const letter = ascii ? (code | 32) >= 97 && (code | 32) <= 122 : LETTER.test(ch);
    if (letter || (ascii ? code >= 48 && code <= 57 : ALNUM_OR_SPACE.test(ch))) {
      run = 0;
      if (letter) {
        letters++;
        if (ascii ? code >= 65 && code <= 90 : UPPER.test(ch)) upper++;
      }
    } else {
      symbols++;
      run++;
      if (run > longest) longest = run;
    }
  }
  const tokens = text.split(/\s+/u).filter((t) => t !== '');
  const messy = tokens.filter(isMessy).length;
  const values = {
    symbols: visible === 0 ? 0 : symbols / visible,
    run: longest,
    upper: letters === 0 ? 0 : upper / letters,
    messy: tokens.length === 0 ? 0 : messy / tokens.length,
  };
  const mask = buckets - 1;
  return (Object.keys(SHAPE_BINS) as (keyof typeof SHAPE_BINS)[]).map(
    (name) => hashString(SHAPE, `${name}:${bin(values[name], SHAPE_BINS[name])}`) & mask,
  );
}

/** The lexical features of one text under `config`; the same text and config always give the same result. */
export function lexicalFeatures(text: string, config: LexicalConfig): SparseFeatures {
  const clipped = clip(text, config.maxChars).normalize('NFKC');
  const lower = clipped.toLowerCase();
  const [words, chars, merged] = countersFor(config.buckets);
  countWords(lower, config, words);
  countChars(lower, config, chars);
  const both = words.size > 0 && chars.size > 0;
  const shapeShare = config.shapeShare ?? 0;
  const textShare = shapeShare > 0 && (words.size > 0 || chars.size > 0) ? 1 - shapeShare : 1;
  words.drainInto(merged, Math.sqrt(textShare * (both ? 1 - config.charShare : 1)));
  chars.drainInto(merged, Math.sqrt(textShare * (both ? config.charShare : 1)));
  if (textShare < 1) {
    const ids = shapeFeatureIds(clipped, config.buckets);
    const value = Math.sqrt(shapeShare / ids.length);
    for (const id of ids) merged.add(id, value);
  }
  const ids = merged.seen.slice(0, merged.size).sort();
  const values = new Float32Array(ids.length);
  let norm = 0;
  for (let i = 0; i < ids.length; i++) norm += (merged.counts[ids[i] as number] as number) ** 2;
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i] as number;
    values[i] = (merged.counts[id] as number) * scale;
    merged.counts[id] = 0;
  }
  merged.size = 0;
  return { ids, values };
}
