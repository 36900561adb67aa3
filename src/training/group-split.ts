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
 * Splits rows deterministically into training and validation: rows linked by a shared group or
 * near-duplicate key form one component, and a hash of the component decides its side, so the
 * same rows and rule always give the same split and no group straddles it.
 */
export function splitRows<T extends LabeledText>(
  rows: readonly T[],
  rule: SplitRule = DEFAULT_SPLIT_RULE,
): { train: T[]; validation: T[] } {
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
  const side = new Map<number, boolean>();
  for (const [root, key] of smallestKey) {
    const digest = createHash('sha256').update(`${rule.salt}:${key}`).digest();
    side.set(root, digest.readUInt32BE(0) % 100 < rule.validationPercent);
  }
  const train: T[] = [];
  const validation: T[] = [];
  rows.forEach((row, i) => {
    (side.get(find(i)) ? validation : train).push(row);
  });
  return { train, validation };
}
