/**
 * Evaluates the PII detectors on Presidio's synthetic PII sentences (JSON lines with `id`, `text`,
 * `template_id` and character `spans`), on the validation templates (held out by template, see
 * `validationTemplates`; the name tagger trains on the other, development, templates).
 *
 *   npm run eval:pii -- [data.jsonl] [--min-confidence 0.5] [--split validation|development|all] [--errors]
 *                       [--clean other.jsonl ...]
 *
 * Structured identifiers come from the rule-based detectors, people, places, street addresses and
 * organisations from the shipped tagger (`models/pii-names`); the data's GPE (cities, countries) is
 * the router's LOCATION. Spans are matched exactly (same offsets) and by overlap.
 *
 * `--clean FILE` (repeatable) also runs the detectors on JSON lines believed to hold no personal data
 * (their `text`, `prompt` or `question` field) and counts what they find: false positives on real
 * prose, numbers, dates and formulas, which synthetic sentences rarely contain.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { detectPii } from '../src/signals/pii/detectors.ts';
import { shippedNameTagger } from '../src/signals/pii/name-tagger.ts';
import {
  DEFAULT_PII_MIN_CONFIDENCE,
  isNameType,
  PII_TYPES,
  type PiiSpan,
} from '../src/signals/pii/pii-types.ts';
import { DEFAULT_PII_DATA, readPiiRows, validationTemplates } from '../src/training/pii-data.ts';
import { matchSpans, precisionRecall, scoreSpans } from '../src/training/span-metrics.ts';

/** The router's type of each entity type of the data that it detects (GPE is its LOCATION). */
const ROUTER_TYPE_OF_DATA: Record<string, string> = {
  ...Object.fromEntries(PII_TYPES.filter((type) => type !== 'LOCATION').map((type) => [type, type])),
  GPE: 'LOCATION',
};

interface Options {
  data: string;
  minConfidence: number;
  split: 'validation' | 'development' | 'all';
  errors: boolean;
  clean: string[];
}

function parseArgs(argv: string[]): Options {
  const options: Options = {
    data: DEFAULT_PII_DATA,
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

const tagger = shippedNameTagger();

function detectAll(text: string, minConfidence: number): PiiSpan[] {
  const structured = detectPii(text);
  const names = tagger
    .tag(text)
    .filter((name) => structured.every((id) => id.end <= name.start || name.end <= id.start));
  return [...structured, ...names].filter((span) => span.score >= minConfidence);
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
  for (const text of texts)
    for (const span of detectAll(text, minConfidence))
      counts.set(span.type, (counts.get(span.type) ?? 0) + 1);
  const found = [...counts].map(([type, n]) => `${type} ${n}`).join(', ') || 'nothing';
  console.log(`clean ${path.basename(file)}: ${texts.length} texts, found ${found}`);
}

function main(): void {
  const options = parseArgs(process.argv.slice(2));
  const all = readPiiRows(options.data);
  const held = validationTemplates(all);
  const rows = all.filter(
    (row) => options.split === 'all' || held.has(row.templateId) === (options.split === 'validation'),
  );
  const items = rows.map((row) => ({
    row,
    gold: row.spans.flatMap((s) => {
      const type = ROUTER_TYPE_OF_DATA[s.type];
      return type ? [{ type, start: s.start, end: s.end }] : [];
    }),
    predicted: detectAll(row.text, options.minConfidence),
  }));
  const counts = scoreSpans(items, PII_TYPES);
  const templates = new Set(rows.map((r) => r.templateId)).size;
  const gold = items.reduce((n, item) => n + item.gold.length, 0);
  console.log(
    `split ${options.split}: ${rows.length} sentences from ${templates} templates, ${gold} spans of the router's types; min confidence ${options.minConfidence}`,
  );
  const pct = (x: number) => x.toFixed(3);
  for (const mode of ['exact', 'overlap'] as const) {
    console.log(`\n${mode} span match`);
    console.log('type             gold   P      R      F1');
    const micro = { tp: 0, fp: 0, fn: 0 };
    for (const type of PII_TYPES) {
      const c = counts[type]?.[mode] ?? { tp: 0, fp: 0, fn: 0 };
      if (!isNameType(type)) {
        micro.tp += c.tp;
        micro.fp += c.fp;
        micro.fn += c.fn;
      }
      const { precision, recall, f1 } = precisionRecall(c);
      console.log(
        `${type.padEnd(16)} ${String(c.tp + c.fn).padStart(4)}  ${pct(precision)}  ${pct(recall)}  ${pct(f1)}`,
      );
    }
    const m = precisionRecall(micro);
    console.log(
      `${'micro (structured)'.padEnd(16)} ${String(micro.tp + micro.fn).padStart(4)}  ${pct(m.precision)}  ${pct(m.recall)}  ${pct(m.f1)}`,
    );
  }
  if (options.errors) {
    console.log('\nerrors (exact match):');
    for (const { row, gold, predicted } of items) {
      const { falsePositives, falseNegatives } = matchSpans(
        gold,
        predicted,
        (g, p) => g.start === p.start && g.end === p.end,
      );
      for (const s of falsePositives)
        console.log(`FP ${s.type} ${row.id}: ${JSON.stringify(row.text.slice(s.start, s.end))}`);
      for (const s of falseNegatives)
        console.log(`FN ${s.type} ${row.id}: ${JSON.stringify(row.text.slice(s.start, s.end))}`);
    }
  }
  if (options.clean.length > 0) console.log('');
  for (const file of options.clean) countOnClean(file, options.minConfidence);
}

main();
