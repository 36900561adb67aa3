/**
 * Evaluates the PII detectors on Presidio's synthetic PII sentences (JSON lines with `id`, `text`,
 * `template_id` and character `spans`), on a validation split held out by template.
 *
 *   npm run eval:pii -- [data.jsonl] [--min-confidence 0.5] [--split validation|development|all] [--errors]
 *                       [--clean other.jsonl ...]
 *
 * The default data path is the shared training data next to the project. Rows are split by template,
 * so sentences made from one template are all on one side. The split is stratified, because most
 * identifier types occur in only a few templates: each template is filed under the rarest type it
 * contains (or none), templates of each stratum are ordered by a hash of their id, and every fourth
 * one, starting with the first, is held out for validation; the rest is the development split.
 *
 * `--clean FILE` (repeatable) also runs the detectors on JSON lines believed to hold no personal data
 * (their `text`, `prompt` or `question` field) and counts what they find: false positives on real
 * prose, numbers, dates and formulas, which synthetic sentences rarely contain.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { detectPii } from '../src/signals/pii/detectors.ts';
import { DEFAULT_PII_MIN_CONFIDENCE, PII_TYPES, type PiiType } from '../src/signals/pii/pii-types.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_DATA = path.join(ROOT, '..', 'shared', 'data', 'pii', 'train_presidio_synth.jsonl');

/** The data's entity names for each detected type (they happen to be the same names). */
const DATA_TYPES: Record<PiiType, string> = {
  EMAIL_ADDRESS: 'EMAIL_ADDRESS',
  PHONE_NUMBER: 'PHONE_NUMBER',
  CREDIT_CARD: 'CREDIT_CARD',
  IBAN_CODE: 'IBAN_CODE',
  US_SSN: 'US_SSN',
  IP_ADDRESS: 'IP_ADDRESS',
};
const TYPE_OF_DATA = new Map(Object.entries(DATA_TYPES).map(([ours, theirs]) => [theirs, ours as PiiType]));

interface Row {
  id: string;
  text: string;
  templateId: number;
  spans: { type: PiiType; start: number; end: number }[];
}

interface Options {
  data: string;
  minConfidence: number;
  split: 'validation' | 'development' | 'all';
  errors: boolean;
  clean: string[];
}

function parseArgs(argv: string[]): Options {
  const options: Options = {
    data: DEFAULT_DATA,
    minConfidence: DEFAULT_PII_MIN_CONFIDENCE,
    split: 'validation',
    errors: false,
    clean: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--min-confidence') options.minConfidence = Number(argv[++i]);
    else if (arg === '--split') options.split = argv[++i] as Options['split'];
    else if (arg === '--errors') options.errors = true;
    else if (arg === '--clean') options.clean.push(argv[++i] ?? '');
    else if (arg.startsWith('--')) throw new Error(`unknown option ${arg}`);
    else options.data = arg;
  }
  if (!['validation', 'development', 'all'].includes(options.split)) throw new Error('bad --split');
  return options;
}

function readRows(file: string): Row[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const raw = JSON.parse(line) as {
        id: string;
        text: string;
        template_id: number;
        spans: { entity_type: string; start_position: number; end_position: number }[];
      };
      const spans = raw.spans.flatMap((s) => {
        const type = TYPE_OF_DATA.get(s.entity_type);
        return type ? [{ type, start: s.start_position, end: s.end_position }] : [];
      });
      return { id: raw.id, text: raw.text, templateId: raw.template_id, spans };
    });
}

function templateHash(templateId: number): string {
  return createHash('sha256').update(String(templateId)).digest('hex');
}

/** The templates held out for validation: deterministic, and independent of the file's order. */
export function validationTemplates(rows: readonly Row[]): Set<number> {
  const typesOf = new Map<number, Set<PiiType>>();
  for (const row of rows) {
    const types = typesOf.get(row.templateId) ?? new Set();
    for (const span of row.spans) types.add(span.type);
    typesOf.set(row.templateId, types);
  }
  const templatesWith = new Map<PiiType, number>();
  for (const types of typesOf.values())
    for (const t of types) templatesWith.set(t, (templatesWith.get(t) ?? 0) + 1);
  const strata = new Map<string, number[]>();
  for (const [template, types] of typesOf) {
    const rarest = [...types].sort(
      (a, b) => (templatesWith.get(a) ?? 0) - (templatesWith.get(b) ?? 0) || a.localeCompare(b),
    )[0];
    const stratum = rarest ?? 'none';
    strata.set(stratum, [...(strata.get(stratum) ?? []), template]);
  }
  const held = new Set<number>();
  for (const templates of strata.values()) {
    templates.sort((a, b) => templateHash(a).localeCompare(templateHash(b)));
    templates.forEach((template, i) => {
      if (i % 4 === 0) held.add(template);
    });
  }
  return held;
}

interface Counts {
  tp: number;
  fp: number;
  fn: number;
}

type Span = { type: PiiType; start: number; end: number };

/** One-to-one matching of predicted to gold spans of the same type. */
function match(gold: Span[], predicted: Span[], same: (g: Span, p: Span) => boolean) {
  const used = new Set<number>();
  const unmatched: Span[] = [];
  for (const p of predicted) {
    const at = gold.findIndex((g, i) => !used.has(i) && g.type === p.type && same(g, p));
    if (at >= 0) used.add(at);
    else unmatched.push(p);
  }
  return { falsePositives: unmatched, falseNegatives: gold.filter((_, i) => !used.has(i)) };
}

const exact = (g: Span, p: Span) => g.start === p.start && g.end === p.end;
const overlap = (g: Span, p: Span) => g.start < p.end && p.start < g.end;

function emptyCounts(): Record<PiiType, Counts> {
  return Object.fromEntries(PII_TYPES.map((t) => [t, { tp: 0, fp: 0, fn: 0 }])) as Record<PiiType, Counts>;
}

function prf({ tp, fp, fn }: Counts) {
  const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 1 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1 };
}

/** Detections in texts that should have none, by type. */
function countOnClean(file: string, minConfidence: number): void {
  const texts = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .map((row) => [row.text, row.prompt, row.question].find((v) => typeof v === 'string') ?? '')
    .filter((text): text is string => text !== '');
  const counts = new Map<string, number>();
  for (const text of texts) {
    for (const span of detectPii(text)) {
      if (span.score >= minConfidence) counts.set(span.type, (counts.get(span.type) ?? 0) + 1);
    }
  }
  const found = [...counts].map(([type, n]) => `${type} ${n}`).join(', ') || 'nothing';
  console.log(`clean ${path.basename(file)}: ${texts.length} texts, found ${found}`);
}

function main(): void {
  const options = parseArgs(process.argv.slice(2));
  const all = readRows(options.data);
  const held = validationTemplates(all);
  const rows = all.filter(
    (row) => options.split === 'all' || held.has(row.templateId) === (options.split === 'validation'),
  );
  const byMode = { exact: emptyCounts(), overlap: emptyCounts() };
  const errors: string[] = [];
  for (const row of rows) {
    const predicted = detectPii(row.text).filter((s) => s.score >= options.minConfidence);
    for (const [mode, same] of [
      ['exact', exact],
      ['overlap', overlap],
    ] as const) {
      const { falsePositives, falseNegatives } = match(row.spans, predicted, same);
      const counts = byMode[mode];
      for (const s of row.spans) counts[s.type].tp++;
      for (const s of falseNegatives) {
        counts[s.type].tp--;
        counts[s.type].fn++;
      }
      for (const s of falsePositives) counts[s.type].fp++;
      if (mode === 'exact' && options.errors) {
        for (const s of falsePositives)
          errors.push(`FP ${s.type} ${row.id}: ${JSON.stringify(row.text.slice(s.start, s.end))}`);
        for (const s of falseNegatives)
          errors.push(`FN ${s.type} ${row.id}: ${JSON.stringify(row.text.slice(s.start, s.end))}`);
      }
    }
  }
  const templates = new Set(rows.map((r) => r.templateId)).size;
  const gold = rows.reduce((n, r) => n + r.spans.length, 0);
  console.log(
    `split ${options.split}: ${rows.length} sentences from ${templates} templates, ${gold} structured spans; min confidence ${options.minConfidence}`,
  );
  const pct = (x: number) => x.toFixed(3);
  for (const mode of ['exact', 'overlap'] as const) {
    console.log(`\n${mode} span match`);
    console.log('type            gold   P      R      F1');
    const total: Counts = { tp: 0, fp: 0, fn: 0 };
    for (const type of PII_TYPES) {
      const counts = byMode[mode][type];
      total.tp += counts.tp;
      total.fp += counts.fp;
      total.fn += counts.fn;
      const { precision, recall, f1 } = prf(counts);
      const goldCount = counts.tp + counts.fn;
      console.log(
        `${type.padEnd(15)} ${String(goldCount).padStart(4)}  ${pct(precision)}  ${pct(recall)}  ${pct(f1)}`,
      );
    }
    const micro = prf(total);
    console.log(
      `${'micro'.padEnd(15)} ${String(total.tp + total.fn).padStart(4)}  ${pct(micro.precision)}  ${pct(micro.recall)}  ${pct(micro.f1)}`,
    );
  }
  if (errors.length > 0) console.log(`\nerrors (exact match):\n${errors.join('\n')}`);
  if (options.clean.length > 0) console.log('');
  for (const file of options.clean) countOnClean(file, options.minConfidence);
}

main();
