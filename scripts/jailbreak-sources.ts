/**
 * Per-source detection of the jailbreak head on its validation rows, at the suspect and block
 * thresholds of its card, and the slice of the first data set (train_prompts.jsonl): printed by
 * `npm run eval`.
 */
import { readFileSync } from 'node:fs';
import type { HeadDecision } from '../src/models/heads/head-card.ts';
import { DEFAULT_JAILBREAK_DATA } from '../src/training/dataset-readers.ts';
import type { ScoreTexts } from '../src/training/head-evaluation.ts';
import type { LabeledText } from '../src/training/labeled-text.ts';
import { detectionAt, formatDetection } from '../src/training/metrics.ts';

const pct = (part: number, whole: number) =>
  whole === 0 ? '     ' : `${((100 * part) / whole).toFixed(1).padStart(5)}%`;

/** Texts of the first data set, to pick its rows out of the combined validation split. */
function firstDataSetTexts(): Set<string> {
  return new Set(
    readFileSync(DEFAULT_JAILBREAK_DATA, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => (JSON.parse(line) as { text: string }).text),
  );
}

export async function printBySource(
  rows: readonly LabeledText[],
  score: ScoreTexts,
  labels: readonly string[],
  decision: HeadDecision,
): Promise<void> {
  const negative = labels.indexOf(decision.negativeLabel);
  const scores = (await score(rows.map((row) => row.text))).map((p) => 1 - (p[negative] ?? 0));
  const block = decision.blockThreshold;
  console.log(
    `\nper source (validation), flagged at the suspect threshold ${decision.threshold}${block === undefined ? '' : ` | at the block threshold ${block}`}:`,
  );
  const sources = [...new Set(rows.map((row) => row.source ?? 'unknown'))].sort();
  for (const source of sources) {
    for (const attack of [true, false]) {
      const own = scores.filter(
        (_, i) => rows[i]?.source === source && (rows[i]?.label !== 'benign') === attack,
      );
      if (own.length === 0) continue;
      const at = (t: number) => own.filter((s) => s >= t).length;
      const kind = attack ? 'attacks' : 'benign ';
      const blocked = block === undefined ? '' : ` | ${pct(at(block), own.length)}`;
      console.log(
        `  ${source.padEnd(18)} ${kind} ${String(own.length).padStart(4)}  ${pct(at(decision.threshold), own.length)}${blocked}`,
      );
    }
  }
  const first = firstDataSetTexts();
  const positives = rows.map((row) => row.label !== 'benign');
  const inFirst = rows.map((row) => first.has(row.text));
  const pick = <T>(values: readonly T[]) => values.filter((_, i) => inFirst[i]);
  for (const [name, t] of [
    ['suspect', decision.threshold],
    ['block', block],
  ] as const) {
    if (t === undefined) continue;
    console.log(formatDetection(`all validation, ${name}`, detectionAt(scores, positives, t)));
    console.log(formatDetection(`first data set, ${name}`, detectionAt(pick(scores), pick(positives), t)));
  }
}
