import { normalizeText } from './group-split.ts';

/** When a candidate text counts as a (near-)duplicate of a reference text. */
export interface NearDuplicateRule {
  /** Leading normalised words compared as a key (equal openings = same question stem). */
  prefixWords: number;
  /** Word n-gram length of the shingles compared. */
  shingleWords: number;
  /** A candidate is a duplicate when this share of its shingles (or of the reference's) occur in one reference text. */
  maxContainment: number;
}

/** A prefix or shingle held by more reference texts than this is boilerplate and ignored. */
const MAX_KEY_HOLDERS = 25;

export const DEFAULT_NEAR_DUPLICATE_RULE: NearDuplicateRule = {
  prefixWords: 10,
  shingleWords: 3,
  maxContainment: 0.5,
};

/** The rule in words, for cards. */
export function describeNearDuplicateRule(rule: NearDuplicateRule): string {
  return (
    `dropped when its normalised text equals a reference text's, when both share their first ${rule.prefixWords} ` +
    `normalised words, or when at least ${rule.maxContainment * 100}% of the word ${rule.shingleWords}-grams of ` +
    `either text occur in the other (openings and 3-grams held by more than ${MAX_KEY_HOLDERS} references are ignored as boilerplate)`
  );
}

function shingles(words: readonly string[], n: number): Set<string> {
  const out = new Set<string>();
  if (words.length < n) {
    if (words.length > 0) out.add(words.join(' '));
    return out;
  }
  for (let i = 0; i + n <= words.length; i++) out.add(words.slice(i, i + n).join(' '));
  return out;
}

/**
 * A set of reference texts (e.g. the validation split) that candidate texts are checked against:
 * normalised-text match, shared opening words, and word-shingle containment both ways (so a
 * question stem and the same stem with a passage or its options attached are caught).
 */
export class NearDuplicateIndex {
  private readonly exact = new Map<string, number[]>();
  private readonly prefixes = new Map<string, number[]>();
  private readonly byShingle = new Map<string, number[]>();
  private readonly sizes: number[] = [];

  constructor(
    references: Iterable<string>,
    private readonly rule: NearDuplicateRule = DEFAULT_NEAR_DUPLICATE_RULE,
  ) {
    for (const text of references) {
      const normalized = normalizeText(text);
      const id = this.sizes.length;
      if (normalized === '') {
        this.sizes.push(0);
        continue;
      }
      push(this.exact, normalized, id);
      const words = normalized.split(' ');
      if (words.length >= rule.prefixWords)
        push(this.prefixes, words.slice(0, rule.prefixWords).join(' '), id);
      const own = shingles(words, rule.shingleWords);
      this.sizes.push(own.size);
      for (const s of own) {
        const list = this.byShingle.get(s);
        if (list) list.push(id);
        else this.byShingle.set(s, [id]);
      }
    }
  }

  /** Whether `text` duplicates or nearly duplicates a reference text. */
  has(text: string): boolean {
    return this.matches(text).length > 0;
  }

  /** The references (by their order in the constructor's input) that `text` duplicates or nearly duplicates. */
  matches(text: string): number[] {
    const normalized = normalizeText(text);
    if (normalized === '') return [];
    const found = new Set<number>(this.exact.get(normalized));
    const words = normalized.split(' ');
    if (words.length >= this.rule.prefixWords) {
      // An opening shared by many references is boilerplate ("This question refers to the following…"), not a stem.
      const holders = this.prefixes.get(words.slice(0, this.rule.prefixWords).join(' ')) ?? [];
      if (holders.length <= MAX_KEY_HOLDERS) for (const id of holders) found.add(id);
    }
    const own = shingles(words, this.rule.shingleWords);
    const shared = new Map<number, number>();
    for (const s of own) {
      // Very common shingles (boilerplate) say nothing about one reference; skip them.
      const holders = this.byShingle.get(s);
      if (!holders || holders.length > MAX_KEY_HOLDERS) continue;
      for (const id of holders) shared.set(id, (shared.get(id) ?? 0) + 1);
    }
    for (const [id, count] of shared) {
      const smaller = Math.min(own.size, this.sizes[id] as number);
      if (smaller > 0 && count / smaller >= this.rule.maxContainment) found.add(id);
    }
    return [...found].sort((a, b) => a - b);
  }
}

function push(map: Map<string, number[]>, key: string, id: number): void {
  const list = map.get(key);
  if (list) list.push(id);
  else map.set(key, [id]);
}
