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
  /**
   * Keep templates and behaviours on one side too (default false). An opening shared by more than
   * `maxKeyRows` rows that all have one label is then a template (attacks made from one template),
   * not boilerplate; it and each row's `behaviour` are side keys, each on its own side by hash,
   * without joining components (a template used with many behaviours would otherwise join them
   * all into one). A row is on a side only when its component and all its side keys are; a row
   * whose keys disagree is dropped from both.
   */
  templates?: boolean;
}

export const DEFAULT_SPLIT_RULE: SplitRule = {
  salt: 'validation-v1',
  validationPercent: 20,
  prefixWords: 10,
  maxKeyRows: 25,
};

/** The split rule in words, for cards and reports. */
export function describeSplitRule(rule: SplitRule): string {
  const base =
    `rows are joined into components by equal \`group\`, equal normalised text, or equal first ${rule.prefixWords} ` +
    `normalised words (keys shared by more than ${rule.maxKeyRows} rows are ignored as boilerplate${rule.templates ? ' when their rows have several labels' : ''}); a component ` +
    `goes to validation when the first 4 bytes of sha256("${rule.salt}:" + its smallest key), as an integer mod ` +
    `100, are below ${rule.validationPercent}`;
  if (!rule.templates) return base;
  return (
    `${base}. Templates (openings shared by more than ${rule.maxKeyRows} rows of one label) and behaviours ` +
    '(e.g. the kind of instruction injected into a document) take a side each by the same hash of the key; a row is on ' +
    'a side only when its component, its template and its behaviour all are, and is used by neither side otherwise'
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

function bucketOf(rule: SplitRule, key: string): number {
  return createHash('sha256').update(`${rule.salt}:${key}`).digest().readUInt32BE(0) % 100;
}

/**
 * The hash buckets (0..99) of each row: first its component's (rows linked by a shared group or
 * near-duplicate key form one component, and sha256(salt + the component's smallest key) picks its
 * bucket, so linked rows always share a bucket), then, under `rule.templates`, one per side key
 * (its template opening, its behaviour). The same rows and rule always give the same buckets.
 */
function rowBuckets(rows: readonly LabeledText[], rule: SplitRule): number[][] {
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
  const sideKeys: string[][] = rows.map((row) =>
    rule.templates && row.behaviour !== undefined ? [`b:${row.behaviour}`] : [],
  );
  for (const [key, members] of holders) {
    if (members.length > rule.maxKeyRows && !key.startsWith('g:')) {
      const label = rows[members[0] as number]?.label;
      if (rule.templates && key.startsWith('p:') && members.every((m) => rows[m]?.label === label))
        for (const member of members) (sideKeys[member] as string[]).unshift(key);
      continue;
    }
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
  for (const [root, key] of smallestKey) bucket.set(root, bucketOf(rule, key));
  return rows.map((_, i) => [
    bucket.get(find(i)) as number,
    ...(sideKeys[i] as string[]).map((key) => bucketOf(rule, key)),
  ]);
}

/**
 * Splits rows deterministically into training and validation: a component goes to validation when
 * its bucket ({@link rowBuckets}) is below `validationPercent`, so no group straddles the split.
 * Under `rule.templates`, a row whose template or behaviour is on the other side than its
 * component is `dropped` (in neither).
 */
export function splitRows<T extends LabeledText>(
  rows: readonly T[],
  rule: SplitRule = DEFAULT_SPLIT_RULE,
): { train: T[]; validation: T[]; dropped: T[] } {
  const buckets = rowBuckets(rows, rule);
  const train: T[] = [];
  const validation: T[] = [];
  const dropped: T[] = [];
  rows.forEach((row, i) => {
    const held = (buckets[i] as number[]).map((b) => b < rule.validationPercent);
    if (held.every(Boolean)) validation.push(row);
    else if (held.some(Boolean)) dropped.push(row);
    else train.push(row);
  });
  return { train, validation, dropped };
}

/**
 * Deals rows into `count` folds (bucket × count / 100), for cross-fitting: linked rows share a
 * fold. A row with a template or behaviour goes by its first one (so a template never straddles
 * folds; its rows' groups may). The rule's `validationPercent` is not used. Fold sizes follow
 * component sizes.
 */
export function foldRows<T extends LabeledText>(rows: readonly T[], rule: SplitRule, count: number): T[][] {
  if (!Number.isInteger(count) || count < 2 || count > 100)
    throw new Error(`folds must be 2..100, got ${count}`);
  const buckets = rowBuckets(rows, rule);
  const folds: T[][] = Array.from({ length: count }, () => []);
  rows.forEach((row, i) => {
    const own = buckets[i] as number[];
    const bucket = (own.length > 1 ? own[1] : own[0]) as number;
    folds[Math.floor((bucket * count) / 100)]?.push(row);
  });
  return folds;
}
