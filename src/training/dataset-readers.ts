import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HeadDataFile } from '../models/heads/head-card.ts';
import { sha256 } from '../models/model-files.ts';
import type { LabeledDataset, LabeledText } from './labeled-text.ts';
import { MMLU_SKIPPED_SUBJECTS, MMLU_SUBJECT_CATEGORY, splitMmluPrompt } from './mmlu-subjects.ts';

/** The shared training data next to the project (`../shared/data` from the project root); never copied in. */
export const SHARED_DATA_DIR = fileURLToPath(new URL('../../../shared/data/', import.meta.url));

export const DEFAULT_DOMAIN_DATA = join(SHARED_DATA_DIR, 'domain', 'train_mmlu_pro.jsonl');
export const DEFAULT_JAILBREAK_DATA = join(SHARED_DATA_DIR, 'jailbreak', 'train_prompts.jsonl');
/** Seven more attack and benign sources in the jailbreak data's format (`source`, `subtype`, `group`). */
export const JAILBREAK_EXTRA_DATA = join(SHARED_DATA_DIR, 'jailbreak', 'train_extra.jsonl');
/** MMLU prompts with their `subject` (RouteLLM); extra training rows (domain) and benign prompts (jailbreak). */
const ROUTELLM_MMLU_DATA = join(SHARED_DATA_DIR, 'routing', 'train_routellm_mmlu.jsonl');
/** STS-B sentence pairs (CC BY-SA 4.0); their sentences are benign prompts for the jailbreak head. */
export const STSB_DATA = join(SHARED_DATA_DIR, 'paraphrase', 'train_stsb.jsonl');

/** The jailbreak head's labels; `benign` is the label a flagged prompt is not. */
const JAILBREAK_LABELS = ['benign', 'jailbreak', 'injection', 'harmful'] as const;

function readJsonLines(file: string): { records: Record<string, unknown>[]; sha256: string } {
  const bytes = readFileSync(file);
  const records = bytes
    .toString('utf8')
    .split('\n')
    .map((line, index) => ({ line: line.trim(), index }))
    .filter(({ line }) => line !== '')
    .map(({ line, index }) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch (error) {
        throw new Error(`${file}:${index + 1}: not JSON (${(error as Error).message})`, { cause: error });
      }
    });
  return { records, sha256: sha256(bytes) };
}

function text(record: Record<string, unknown>, field: string, where: string): string {
  const value = record[field];
  if (typeof value !== 'string' || value.trim() === '')
    throw new Error(`${where}: \`${field}\` must be a non-empty string`);
  return value;
}

function read(
  name: string,
  files: readonly string[],
  toRow: (record: Record<string, unknown>, where: string) => LabeledText,
  fixedLabels?: readonly string[],
): LabeledDataset {
  if (files.length === 0) throw new Error(`${name}: no data file given`);
  const rows: LabeledText[] = [];
  const described = files.map((file) => {
    const { records, sha256: digest } = readJsonLines(file);
    records.forEach((record, index) => {
      rows.push(toRow(record, `${file}:${index + 1}`));
    });
    return { file: basename(file), sha256: digest, rows: records.length };
  });
  const seen = [...new Set(rows.map((row) => row.label))].sort();
  if (fixedLabels) {
    const unknown = seen.filter((label) => !fixedLabels.includes(label));
    if (unknown.length > 0) throw new Error(`${name}: unknown labels ${unknown.join(', ')}`);
  }
  const labels = fixedLabels ? [...fixedLabels] : seen;
  if (labels.length < 2) throw new Error(`${name}: need at least two labels, found ${labels.join(', ')}`);
  return { name, labels, rows, files: described };
}

/**
 * MMLU-Pro questions (`question`, `options`, `category`, `question_id`): the question alone is the
 * text (what a user prompt looks like); the question followed by its options is a training variant.
 */
export function readDomainDataset(files: readonly string[] = [DEFAULT_DOMAIN_DATA]): LabeledDataset {
  return read('domain', files, (record, where) => {
    const question = text(record, 'question', where);
    const options = Array.isArray(record.options) ? record.options.map(String) : [];
    return {
      text: question,
      label: text(record, 'category', where),
      variants:
        options.length > 0
          ? [`${question}\n${options.map((o, i) => `${String.fromCharCode(65 + i)}. ${o}`).join('\n')}`]
          : [],
      source: typeof record.src === 'string' ? record.src : 'mmlu-pro',
    };
  });
}

/** Short names of the jailbreak data's sources, for reports; a source not listed keeps its own name. */
const JAILBREAK_SOURCE_NAMES: Readonly<Record<string, string>> = {
  'AlpacaEval eval set (805 instructions)': 'alpaca-eval',
  'GPTFuzz harmful questions': 'gptfuzz-questions',
  'GPTFuzz templates': 'gptfuzz-templates',
  'JailbreakBench JBB-Behaviors goals (as embedded in artifacts)': 'jbb-goals',
  'JailbreakBench artifacts': 'jbb-artifacts',
  'MT-Bench questions': 'mt-bench',
  'Stanford Alpaca / self-instruct seed tasks': 'alpaca-seed',
  'Tensor Trust': 'tensor-trust',
  jailbreak_llms: 'in-the-wild',
  deepset_prompt_injections: 'deepset',
  'arena_hard_v0.1': 'arena-hard',
  nq_open: 'nq-open',
};

/**
 * The behaviour of an attack row when the data says it: BIPIA's injected instructions are
 * `subtype` `family/category/position` (e.g. `email/Language Translation/end`), and one category
 * is one behaviour, whatever document it was put in.
 */
function jailbreakBehaviour(record: Record<string, unknown>, label: string): string | undefined {
  if (record.source !== 'bipia' || label === 'benign' || typeof record.subtype !== 'string') return undefined;
  const category = record.subtype.split('/')[1];
  return category === undefined ? undefined : `bipia:${category}`;
}

/**
 * Prompts labelled jailbreak / injection / harmful / benign, with `group` keeping an attack's
 * variants (or a document's clean and injected versions) together, the source's short name
 * ({@link JAILBREAK_SOURCE_NAMES}) and, for injected documents, the injection's behaviour.
 */
export function readJailbreakDataset(files: readonly string[] = [DEFAULT_JAILBREAK_DATA]): LabeledDataset {
  return read(
    'jailbreak',
    files,
    (record, where) => {
      const label = text(record, 'label', where);
      const row: LabeledText = { text: text(record, 'text', where), label };
      if (typeof record.group === 'string') row.group = record.group;
      if (typeof record.source === 'string')
        row.source = JAILBREAK_SOURCE_NAMES[record.source] ?? record.source;
      const behaviour = jailbreakBehaviour(record, label);
      if (behaviour !== undefined) row.behaviour = behaviour;
      return row;
    },
    JAILBREAK_LABELS,
  );
}

/** Users' own data: JSON lines `{"text": "...", "label": "..."}`, optionally with `group`. */
export function readCustomDataset(files: readonly string[], name = 'custom'): LabeledDataset {
  return read(name, files, (record, where) => {
    const row: LabeledText = { text: text(record, 'text', where), label: text(record, 'label', where) };
    if (typeof record.group === 'string') row.group = record.group;
    return row;
  });
}

/**
 * RouteLLM's MMLU prompts labelled with the MMLU-Pro category of their `subject`
 * (`MMLU_SUBJECT_CATEGORY`): the question alone is the text, the question with its lettered options
 * a variant (the trailing "Answer:" removed). Subjects without a category are skipped.
 */
export function readMmluSubjectDataset(file: string = ROUTELLM_MMLU_DATA): LabeledDataset {
  const { records, sha256: digest } = readJsonLines(file);
  const rows: LabeledText[] = [];
  records.forEach((record, index) => {
    const where = `${file}:${index + 1}`;
    const subject = text(record, 'subject', where);
    if (MMLU_SKIPPED_SUBJECTS.includes(subject)) return;
    const label = MMLU_SUBJECT_CATEGORY[subject];
    if (label === undefined) throw new Error(`${where}: no category for MMLU subject ${subject}`);
    const { question, withOptions } = splitMmluPrompt(text(record, 'prompt', where));
    rows.push({
      text: question,
      label,
      variants: withOptions !== question ? [withOptions] : [],
      source: `mmlu:${subject}`,
    });
  });
  const labels = [...new Set(rows.map((row) => row.label))].sort();
  return {
    name: 'mmlu-subjects',
    labels,
    rows,
    files: [{ file: basename(file), sha256: digest, rows: records.length }],
  };
}

/** The distinct sentences of an STS-B file (`sentence1`, `sentence2`), as unlabelled texts. */
/** STS-B sentence pairs with their 0-5 similarity scores (for the encoder's learned projection). */
export function readStsbPairs(file: string = STSB_DATA): {
  pairs: { sentence1: string; sentence2: string; score: number }[];
  file: HeadDataFile;
} {
  const { records, sha256: digest } = readJsonLines(file);
  const pairs = records.flatMap((record) => {
    const { sentence1, sentence2, score } = record;
    if (typeof sentence1 !== 'string' || typeof sentence2 !== 'string' || typeof score !== 'number')
      return [];
    return [{ sentence1, sentence2, score }];
  });
  if (pairs.length === 0) throw new Error(`${file}: no pairs {sentence1, sentence2, score}`);
  return { pairs, file: { file: basename(file), sha256: digest, rows: records.length } };
}

export function readStsbSentences(file: string = STSB_DATA): { texts: string[]; file: HeadDataFile } {
  const { records, sha256: digest } = readJsonLines(file);
  const seen = new Set<string>();
  const texts: string[] = [];
  for (const record of records)
    for (const field of ['sentence1', 'sentence2']) {
      const value = record[field];
      if (typeof value !== 'string' || value.trim() === '' || seen.has(value.trim())) continue;
      seen.add(value.trim());
      texts.push(value.trim());
    }
  return { texts, file: { file: basename(file), sha256: digest, rows: records.length } };
}
