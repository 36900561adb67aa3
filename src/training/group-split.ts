import { createHash } from 'node:crypto';
import type { LabeledText } from './labeled-text.ts';

/** How examples are divided into training and validation sides. */
export interface SplitRule {
  /** Mixed into the hash, so different salts give independent splits (e.g. the inner early-stopping split). */
  salt: string;
  /** Share of components sent to validation, 0..100. */
  validationPercent: number;
  /** Leading words that make the near-duplicate key (texts sharing them are kept together). */
  prefixWords: number;
  /** A near-duplicate key shared by more rows than this is boilerplate (a template opening), not a duplicate, and is ignored. */
  maxKeyRows: number;
}

export const DEFAULT_SPLIT_RULE: SplitRule = {
  salt: 'validation-v1',
  validationPercent: 20,
  prefixWords: 10,
  maxKeyRows: 25,
};

/** The split rule in words, for cards and reports. */
export function describeSplitRule(rule: SplitRule): string {
  return (
    `rows are joined into components by equal \`group\`, equal normalised text, or equal first ${rule.prefixWords} ` +
    `normalised words (keys shared by more than ${rule.maxKeyRows} rows are ignored as boilerplate); a component ` +
    `goes to validation when the first 4 bytes of sha256("${rule.salt}:" + its smallest key), as an integer mod ` +
    `100, are below ${rule.validationPercent}`
  );
}

/** Lower-case words of letters and digits joined by single spaces. */
export function normalizeText(text: string): string {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).join(' ');
}

function rowKeys(row: LabeledText, rule: SplitRule): string[] {
  const normalized = normalizeText(row.text);
  const keys = [`t:${normalized}`];
  if (row.group !== undefined) keys.push(`g:${row.group}`);
  const words = normalized.split(' ');
  if (words.length >= rule.prefixWords) keys.push(`p:${words.slice(0, rule.prefixWords).join(' ')}`);
  return keys;
}

/**
 * The hash bucket (0..99) of each row's component: rows linked by a shared group or near-duplicate
 * key form one component, and sha256(salt + the component's smallest key) picks its bucket, so
 * linked rows always share a bucket and the same rows and rule always give the same buckets.
 */
export function componentBuckets(rows: readonly LabeledText[], rule: SplitRule): number[] {
  const parent = rows.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i] as number] as number;
      i = parent[i] as number;
    }
    return i;
  };
  const keysOf = rows.map((row) => rowKeys(row, rule));
  const holders = new Map<string, number[]>();
  keysOf.forEach((keys, i) => {
    for (const key of keys) {
      const list = holders.get(key);
      if (list) list.push(i);
      else holders.set(key, [i]);
    }
  });
  for (const [key, members] of holders) {
    if (members.length > rule.maxKeyRows && !key.startsWith('g:')) continue;
    const first = find(members[0] as number);
    for (const member of members.slice(1)) parent[find(member)] = first;
  }
  const smallestKey = new Map<number, string>();
  keysOf.forEach((keys, i) => {
    const root = find(i);
    const own = keys[0] as string;
    const current = smallestKey.get(root);
    if (current === undefined || own < current) smallestKey.set(root, own);
  });
  const bucket = new Map<number, number>();
  for (const [root, key] of smallestKey) {
    const digest = createHash('sha256').update(`${rule.salt}:${key}`).digest();
    bucket.set(root, digest.readUInt32BE(0) % 100);
  }
  return rows.map((_, i) => bucket.get(find(i)) as number);
}

/**
 * Splits rows deterministically into training and validation: a component goes to validation when
 * its bucket ({@link componentBuckets}) is below `validationPercent`, so no group straddles the split.
 */
export function splitRows<T extends LabeledText>(
  rows: readonly T[],
  rule: SplitRule = DEFAULT_SPLIT_RULE,
): { train: T[]; validation: T[] } {
  const buckets = componentBuckets(rows, rule);
  const train: T[] = [];
  const validation: T[] = [];
  rows.forEach((row, i) => {
    ((buckets[i] as number) < rule.validationPercent ? validation : train).push(row);
  });
  return { train, validation };
}

/**
 * Deals rows into `count` folds by component (bucket × count / 100), for cross-fitting: linked rows
 * share a fold. The rule's `validationPercent` is not used. Fold sizes follow component sizes.
 */
export function foldRows<T extends LabeledText>(rows: readonly T[], rule: SplitRule, count: number): T[][] {
  if (!Number.isInteger(count) || count < 2 || count > 100)
    throw new Error(`folds must be 2..100, got ${count}`);
  const buckets = componentBuckets(rows, rule);
  const folds: T[][] = Array.from({ length: count }, () => []);
  rows.forEach((row, i) => {
    folds[Math.floor(((buckets[i] as number) * count) / 100)]?.push(row);
  });
  return folds;
}
