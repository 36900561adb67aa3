/**
 * The labelled pairs `eval:cache` replays: MRPC (label 1 = paraphrase) and STS-B (score >= 4 of 5:
 * the same question for a cache; below, a different one) from the shared data, split by a
 * deterministic hash of groups that keep a sentence and its near-copies on one side; and the
 * negated, number-changed and entity-swapped variants of stored sentences that must never hit.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SHARED_DATA_DIR } from '../src/training/dataset-readers.ts';

export interface LabelledPair {
  readonly id: string;
  readonly source: 'MRPC' | 'STS-B';
  readonly a: string;
  readonly b: string;
  readonly same: boolean;
}

/**
 * STS-B pairs scored at least this (0-5) ask the same thing, by default: 4 is "mostly equivalent,
 * unimportant details differ"; 3, "roughly equivalent, some important information differs".
 */
export const STSB_SAME = 4;

const PARAPHRASE_DIR = join(SHARED_DATA_DIR, 'paraphrase');

function jsonLines(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

export function readPairs(stsbSame = STSB_SAME): LabelledPair[] {
  const pairs: LabelledPair[] = [];
  for (const row of jsonLines(join(PARAPHRASE_DIR, 'train_mrpc.jsonl'))) {
    pairs.push({
      id: String(row.id),
      source: 'MRPC',
      a: String(row.sentence1),
      b: String(row.sentence2),
      same: row.label === 1,
    });
  }
  for (const file of ['train_stsb.jsonl', 'train_dev_stsb.jsonl']) {
    for (const row of jsonLines(join(PARAPHRASE_DIR, file))) {
      pairs.push({
        id: `${file}:${String(row.id)}`,
        source: 'STS-B',
        a: String(row.sentence1),
        b: String(row.sentence2),
        same: Number(row.score) >= stsbSame,
      });
    }
  }
  return pairs;
}

/** A sentence reduced so that near-copies (case, punctuation, spacing, small edits at the end) meet. */
function nearCopyKeys(sentence: string): string[] {
  const words = sentence
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .split(' ');
  return [`w:${words.join(' ')}`, `h:${words.slice(0, 6).join(' ')}`, `t:${words.slice(-6).join(' ')}`];
}

/**
 * Which side of the split each pair is on: pairs linked by a shared sentence or a near-copy of one
 * (same words, same first six or same last six words) form one group, and a group's side is a hash
 * of its smallest key, `heldOutShare` of groups held out.
 */
export function splitPairs(
  pairs: readonly LabelledPair[],
  heldOutShare = 0.4,
): { tune: LabelledPair[]; heldOut: LabelledPair[] } {
  const parent = new Map<string, string>();
  const find = (key: string): string => {
    let root = key;
    while (parent.get(root) !== root) root = parent.get(root) ?? root;
    let at = key;
    while (at !== root) {
      const next = parent.get(at) ?? root;
      parent.set(at, root);
      at = next;
    }
    return root;
  };
  const union = (x: string, y: string) => {
    const [rx, ry] = [find(x), find(y)];
    if (rx !== ry) parent.set(rx < ry ? ry : rx, rx < ry ? rx : ry);
  };
  const keysOf = pairs.map((pair) => [...nearCopyKeys(pair.a), ...nearCopyKeys(pair.b)]);
  for (const keys of keysOf) for (const key of keys) if (!parent.has(key)) parent.set(key, key);
  for (const keys of keysOf) for (const key of keys.slice(1)) union(keys[0] as string, key);
  const tune: LabelledPair[] = [];
  const heldOut: LabelledPair[] = [];
  pairs.forEach((pair, i) => {
    const root = find((keysOf[i] as string[])[0] as string);
    const bucket = createHash('sha256').update(`cache-eval\u0000${root}`).digest().readUInt32BE(0) / 2 ** 32;
    (bucket < heldOutShare ? heldOut : tune).push(pair);
  });
  return { tune, heldOut };
}

export type VariantKind = 'negated' | 'number-changed' | 'entity-swapped';

const AUXILIARIES = new Set([
  'is',
  'are',
  'was',
  'were',
  'can',
  'could',
  'will',
  'would',
  'should',
  'does',
  'do',
  'did',
  'has',
  'have',
  'had',
  'must',
  'may',
  'might',
]);

/** The sentence with `not` after its first auxiliary verb, or `It is not true that` before it. */
function negated(sentence: string): string {
  const words = sentence.split(' ');
  const at = words.findIndex((word) => AUXILIARIES.has(word.toLowerCase()));
  if (at >= 0) return [...words.slice(0, at + 1), 'not', ...words.slice(at + 1)].join(' ');
  return `It is not true that ${sentence.charAt(0).toLowerCase()}${sentence.slice(1)}`;
}

/** The sentence with its first number changed (plus one, or doubled for a decimal); undefined without one. */
function numberChanged(sentence: string): string | undefined {
  const match = /\d+(?:[.,]\d+)?/.exec(sentence);
  if (!match) return undefined;
  const text = match[0];
  const changed = /[.,]/.test(text) ? String(Number(text.replace(',', '.')) * 2) : String(Number(text) + 1);
  return `${sentence.slice(0, match.index)}${changed}${sentence.slice(match.index + text.length)}`;
}

/** The sentence with its first two different names (runs of capitalised words, not the first word) swapped. */
function entitySwapped(sentence: string): string | undefined {
  const words = sentence.split(' ');
  // A name starts with a capitalised word (not an initial or an abbreviation) and runs on over
  // capitalised words and initials until a punctuation mark.
  const starts = (i: number) => i > 0 && /^\p{Lu}[\p{L}\p{N}'’-]+$/u.test(words[i] ?? '');
  const continues = (i: number) => /^\p{Lu}/u.test(words[i] ?? '') && !/[,;:]$/.test(words[i - 1] ?? '');
  const runs: [number, number][] = [];
  for (let i = 0; i < words.length; i++) {
    if (!starts(i)) continue;
    let end = i + 1;
    while (end < words.length && continues(end)) end++;
    const name = words
      .slice(i, end)
      .join(' ')
      .replace(/[^\p{L}\p{N} ]/gu, '')
      .toLowerCase();
    // A name that appears twice (`BOSTON ... in Boston`) does not move when swapped.
    const elsewhere = sentence.toLowerCase().split(name).length > 2;
    if (!elsewhere && !runs.some(([s, e]) => words.slice(s, e).join(' ') === words.slice(i, end).join(' ')))
      runs.push([i, end]);
    i = end;
  }
  const [x, y] = runs;
  if (!x || !y) return undefined;
  return [
    ...words.slice(0, x[0]),
    ...words.slice(y[0], y[1]),
    ...words.slice(x[1], y[0]),
    ...words.slice(x[0], x[1]),
    ...words.slice(y[1]),
  ].join(' ');
}

/** Every variant of a sentence that asks something else. */
export function variantsOf(sentence: string): { kind: VariantKind; text: string }[] {
  const out: { kind: VariantKind; text: string }[] = [{ kind: 'negated', text: negated(sentence) }];
  const number = numberChanged(sentence);
  if (number) out.push({ kind: 'number-changed', text: number });
  const swap = entitySwapped(sentence);
  if (swap) out.push({ kind: 'entity-swapped', text: swap });
  return out;
}
