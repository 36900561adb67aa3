import { createHash } from 'node:crypto';
import type { HeadDataFile } from '../models/heads/head-card.ts';
import { readDomainDataset, readMmluSubjectDataset, readStsbSentences } from './dataset-readers.ts';
import { DEFAULT_SPLIT_RULE, normalizeText, splitRows } from './group-split.ts';
import type { LabeledDataset, LabeledText } from './labeled-text.ts';
import { MMLU_SKIPPED_SUBJECTS, MMLU_SUBJECT_CATEGORY, subjectMappingConflicts } from './mmlu-subjects.ts';
import { MULTILINGUAL_SENTENCES, multilingualRows } from './multilingual-injections.ts';
import {
  DEFAULT_NEAR_DUPLICATE_RULE,
  describeNearDuplicateRule,
  NearDuplicateIndex,
} from './near-duplicates.ts';

/*
 * Training rows a head learns from besides its own data set: rows from the other shared data sets
 * (de-duplicated against the head's validation split) and rows the project writes itself. Neither is
 * ever held out or scored as validation.
 */

/** Extra training rows, with what the card says about them. */
export interface ExtraRows {
  rows: LabeledText[];
  /** Loss weight of each extra row. */
  weight: number;
  /** Also benign material for the synthetic rows (jailbreak). */
  augmentationMaterial: boolean;
  files: HeadDataFile[];
  /** How the rows were chosen, labelled and de-duplicated, for the card. */
  description: Record<string, unknown>;
}

/** Hand-written training rows, with what the card says about them. */
export interface WrittenRows {
  rows: LabeledText[];
  /** Loss weight of each row. */
  weight: number;
  description: Record<string, unknown>;
}

/**
 * Jailbreak: injections and benign requests in twelve other languages. Leaving two languages out of
 * training (Spanish, Korean), the head flagged 5 of their 12 injections instead of 1 and none of
 * their 12 benign requests; validation recall stayed within a point (the data is nearly all English).
 */
export function jailbreakWrittenRows(): WrittenRows {
  const rows = multilingualRows();
  return {
    rows,
    weight: MULTILINGUAL_WEIGHT,
    description: {
      rows: rows.length,
      weight: MULTILINGUAL_WEIGHT,
      what: `${MULTILINGUAL_SENTENCES.length} languages (${MULTILINGUAL_SENTENCES.map((l) => l.language).join(', ')}), each with the same hand-translated injections and benign requests; each sentence alone, each injection before and after each benign request (injection), each ordered pair of benign requests (benign)`,
      source: 'src/training/multilingual-injections.ts',
    },
  };
}

const MULTILINGUAL_WEIGHT = 0.5;

/** A deterministic sample of `count` items: the smallest sha256(salt + key) first. */
function hashSample<T>(items: readonly T[], count: number, salt: string, key: (item: T) => string): T[] {
  const digest = (item: T) =>
    createHash('sha256')
      .update(`${salt}:${key(item)}`)
      .digest('hex');
  return items
    .map((item) => ({ item, order: digest(item) }))
    .sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0))
    .slice(0, count)
    .map(({ item }) => item);
}

/** Drops rows whose text (or a variant) near-duplicates a reference, and repeats among the rows themselves. */
function dropDuplicates(rows: readonly LabeledText[], references: NearDuplicateIndex): LabeledText[] {
  const seen = new Set<string>();
  return rows.filter((row) => {
    const key = normalizeText(row.text);
    if (key === '' || seen.has(key)) return false;
    seen.add(key);
    return !references.has(row.text) && !(row.variants ?? []).some((v) => references.has(v));
  });
}

/**
 * Domain: RouteLLM's MMLU prompts, labelled by the MMLU-Pro category of their subject, minus every
 * prompt that (nearly) duplicates any MMLU-Pro question (validation and training side alike).
 */
export function domainExtraRows(dataset: LabeledDataset): ExtraRows {
  const conflicts = subjectMappingConflicts(dataset.rows);
  if (conflicts.length > 0)
    throw new Error(`the MMLU subject mapping disagrees with MMLU-Pro: ${conflicts.join('; ')}`);
  const mmlu = readMmluSubjectDataset();
  const references = new NearDuplicateIndex(dataset.rows.map((row) => row.text));
  const rows = dropDuplicates(mmlu.rows, references);
  return {
    rows,
    weight: DOMAIN_EXTRA_WEIGHT,
    augmentationMaterial: false,
    files: mmlu.files.map((f) => ({
      ...f,
      file: `${f.file} (${rows.length} MMLU questions labelled by subject → MMLU-Pro category; extra training rows)`,
    })),
    description: {
      rows: rows.length,
      weight: DOMAIN_EXTRA_WEIGHT,
      text: 'question alone (the "A. … D. … Answer:" part stripped); question + lettered options as a variant',
      labels:
        'MMLU subject → MMLU-Pro category, the mapping MMLU-Pro applied (its `src` field); see `subjectToCategory`',
      subjectToCategory: MMLU_SUBJECT_CATEGORY,
      skippedSubjects: MMLU_SKIPPED_SUBJECTS,
      deduplication: `against all ${dataset.rows.length} MMLU-Pro questions (so the validation split too): ${describeNearDuplicateRule(DEFAULT_NEAR_DUPLICATE_RULE)}; ${mmlu.rows.length - rows.length} of ${mmlu.rows.length} dropped`,
    },
  };
}

const DOMAIN_EXTRA_WEIGHT = 1;
/** Benign rows sampled from each extra source for the jailbreak head. */
const JAILBREAK_BENIGN_PER_SOURCE = { mmluPro: 1500, mmlu: 1500, stsb: 2000 } as const;
const JAILBREAK_EXTRA_WEIGHT = 0.2;
const SAMPLE_SALT = 'benign-sample-v1';

/**
 * Jailbreak: ordinary user-like text of every length as benign training rows: MMLU-Pro questions
 * (training side of the domain split), RouteLLM MMLU prompts and STS-B sentences, each a
 * deterministic hash sample; questions appear alone or with their options (chosen by hash), and
 * anything near-duplicating a jailbreak validation text is dropped.
 */
export function jailbreakExtraRows(
  _dataset: LabeledDataset,
  split: { train: LabeledText[]; validation: LabeledText[] },
): ExtraRows {
  const references = new NearDuplicateIndex(split.validation.map((row) => row.text));
  const withOrWithoutOptions = (row: LabeledText, source: string): LabeledText => {
    const variant = row.variants?.[0];
    const long =
      variant !== undefined &&
      (createHash('sha256').update(`${SAMPLE_SALT}:form:${row.text}`).digest()[0] as number) < 128;
    return { text: long ? variant : row.text, label: 'benign', source };
  };
  const domain = readDomainDataset();
  const domainTrain = splitRows(domain.rows, DEFAULT_SPLIT_RULE).train;
  const mmluPro = hashSample(
    dropDuplicates(
      domainTrain.map((row) => withOrWithoutOptions(row, 'mmlu-pro')),
      references,
    ),
    JAILBREAK_BENIGN_PER_SOURCE.mmluPro,
    SAMPLE_SALT,
    (row) => row.text,
  );
  const mmluData = readMmluSubjectDataset();
  const mmlu = hashSample(
    dropDuplicates(
      mmluData.rows.map((row) => withOrWithoutOptions(row, 'mmlu')),
      references,
    ),
    JAILBREAK_BENIGN_PER_SOURCE.mmlu,
    SAMPLE_SALT,
    (row) => row.text,
  );
  const stsbData = readStsbSentences();
  const stsb = hashSample(
    dropDuplicates(
      stsbData.texts.map((text) => ({ text, label: 'benign', source: 'stsb' })),
      references,
    ),
    JAILBREAK_BENIGN_PER_SOURCE.stsb,
    SAMPLE_SALT,
    (row) => row.text,
  );
  const rows = [...mmluPro, ...mmlu, ...stsb];
  return {
    rows,
    weight: JAILBREAK_EXTRA_WEIGHT,
    augmentationMaterial: true,
    files: [
      ...domain.files.map((f) => ({
        ...f,
        file: `${f.file} (${mmluPro.length} training-side questions as benign prompts)`,
      })),
      ...mmluData.files.map((f) => ({
        ...f,
        file: `${f.file} (${mmlu.length} MMLU prompts as benign prompts)`,
      })),
      { ...stsbData.file, file: `${stsbData.file.file} (${stsb.length} sentences as benign prompts)` },
    ],
    description: {
      rows: rows.length,
      bySource: { 'mmlu-pro': mmluPro.length, mmlu: mmlu.length, stsb: stsb.length },
      weight: JAILBREAK_EXTRA_WEIGHT,
      label: 'benign',
      sampling: `per source, the rows with the smallest sha256("${SAMPLE_SALT}:" + text); a question is used alone or with its lettered options (by hash), so lengths vary`,
      deduplication: `against the ${split.validation.length} jailbreak validation texts: ${describeNearDuplicateRule(DEFAULT_NEAR_DUPLICATE_RULE)}`,
      alsoAugmentationMaterial: true,
    },
  };
}
