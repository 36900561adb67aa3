import { join } from 'node:path';
import type { Embedder } from '../models/embedder.ts';
import type { HeadCard, HeadInputs } from '../models/heads/head-card.ts';
import { DEFAULT_LEXICAL_CONFIG, type LexicalConfig } from '../models/heads/lexical-featurizer.ts';
import type { WindowConfig } from '../models/heads/text-windows.ts';
import { MODELS_DIR } from '../models/model-files.ts';
import { modelName } from '../models/model-id.ts';
import {
  DEFAULT_DOMAIN_DATA,
  DEFAULT_JAILBREAK_DATA,
  JAILBREAK_EXTRA_DATA,
  readCustomDataset,
  readDomainDataset,
  readJailbreakDataset,
} from './dataset-readers.ts';
import {
  domainExtraRows,
  type ExtraRows,
  jailbreakExtraRows,
  jailbreakWrittenRows,
  type WrittenRows,
} from './extra-rows.ts';
import { DEFAULT_SPLIT_RULE, describeSplitRule, type SplitRule, splitRows } from './group-split.ts';
import { writeHead } from './head-export.ts';
import { DEFAULT_TRAINER_OPTIONS, type TrainerOptions } from './head-trainer.ts';
import { AUGMENTATION_KINDS } from './jailbreak-augmentation.ts';
import type { LabeledDataset, LabeledText } from './labeled-text.ts';
import {
  FOLD_RULE,
  INNER_SPLIT_RULE,
  runTraining,
  type TrainingProgress,
  type TrainingRunOptions,
  type TrainingRunResult,
} from './training-run.ts';

/** The heads the project trains, plus `custom` for users' own `{text, label}` data. */
export type HeadTask = 'domain' | 'jailbreak' | 'custom';

export const HEAD_TASKS: readonly HeadTask[] = ['domain', 'jailbreak', 'custom'];

/** Where the shipped heads live. */
export const HEAD_DIRS = {
  domain: join(MODELS_DIR, 'domain'),
  jailbreak: join(MODELS_DIR, 'jailbreak'),
} as const;

/**
 * The jailbreak data's split: the default one (same salt, so the same components), with templates
 * and behaviours kept on one side too: 96 of the 387 validation attacks of the default split shared a
 * template opening with 19-197 training rows.
 */
const JAILBREAK_SPLIT_RULE: SplitRule = { ...DEFAULT_SPLIT_RULE, templates: true };

/** How the jailbreak head reads a long text besides whole (the router reads at most 8192 characters). */
const JAILBREAK_WINDOWS: WindowConfig = { chars: 512, max: 16 };

/** Largest share of the benign prompts of any one source (held out) the block threshold may flag. */
const JAILBREAK_BLOCK_RATE = 0.005;

/** Largest share of benign training prompts (scored out of fold) the jailbreak threshold may flag. */
const JAILBREAK_FALSE_POSITIVE_RATE = 0.02;

/** How the project trains one of its heads. */
export interface TaskRecipe {
  description: string;
  defaultData: string[];
  read(files: readonly string[]): LabeledDataset;
  split: SplitRule;
  /** Drop training rows that near-duplicate a validation text (data gathered from several sources). */
  dropNearDuplicates: boolean;
  lexical: LexicalConfig;
  inputs: HeadInputs;
  trainer: Omit<TrainerOptions, 'seed'>;
  /** 1: one model; K: K cross-fitted models averaged (see `TrainingRunOptions.folds`). */
  folds: number;
  augmentPerKind: number;
  augmentWeight: number;
  /** Extra training rows from other data sets (training side only, de-duplicated against validation). */
  extra?: (dataset: LabeledDataset, split: { train: LabeledText[]; validation: LabeledText[] }) => ExtraRows;
  /** Hand-written training rows shipped with the project (never held out, never in validation). */
  written?: () => WrittenRows;
  detection?: TrainingRunOptions['detection'];
  windows?: WindowConfig;
}

const RECIPES: Record<HeadTask, TaskRecipe> = {
  domain: {
    description:
      'Classifies a prompt into one of the 14 MMLU-Pro subject categories (the domain of a question), for routing by subject.',
    defaultData: [DEFAULT_DOMAIN_DATA],
    read: readDomainDataset,
    split: DEFAULT_SPLIT_RULE,
    dropNearDuplicates: false,
    // Twice the default buckets: fewer collisions among 14 subjects' vocabularies (+0.5 point on validation).
    lexical: { ...DEFAULT_LEXICAL_CONFIG, buckets: 1 << 17 },
    // Token pooling measured no gain here (validation 80.5% → 79.9%).
    inputs: 'sentence',
    folds: 1,
    trainer: { ...DEFAULT_TRAINER_OPTIONS, l2: 0.3 },
    augmentPerKind: 0,
    augmentWeight: 1,
    extra: domainExtraRows,
  },
  jailbreak: {
    description:
      'Detects jailbreaks, prompt injections and harmful requests; a prompt is flagged when P(not benign) reaches the threshold.',
    defaultData: [DEFAULT_JAILBREAK_DATA, JAILBREAK_EXTRA_DATA],
    read: readJailbreakDataset,
    split: JAILBREAK_SPLIT_RULE,
    // Sources quote each other (JailbreakBench's behaviours come partly from AdvBench and HarmBench).
    dropNearDuplicates: true,
    // The figures below were measured over the encoder before its learned projection; over the
    // projected encoder the same recipe gives 91.2% of validation attacks at 1.4% of its benign
    // prompts (92.3% out of fold at 1.9%); with the multilingual rows (`written`), 90.7% at 0.0%
    // (91.5% out of fold at 1.9%).
    // Text-shape bins (symbol share, symbol runs, upper case, messy tokens) catch gibberish adversarial
    // suffixes; 0.3 chosen on the inner split (inner recall at <= 2% benign: 0 → 89.0%, 0.2 → 90.2%,
    // 0.3 → 92.1%, 0.4 → 91.5%).
    lexical: { ...DEFAULT_LEXICAL_CONFIG, shapeShare: 0.3 },
    // Token pooling (max and min of the word vectors) lets one telling word count however long the
    // text: validation recall at <= 2% benign flagged (ranking only) rose from 91.5% to 94.1% for
    // one model. It also learned from the data's many one-word injections (password guesses such
    // as "en passant") that a lone word is an attack, and flagged "hello", until the few-words
    // augmentation below; with it, pooling and the sentence vector alone both reach 91.2% of
    // validation attacks at 0.0% of its benign prompts, and pooling flags 12 of the 20 hand-written
    // attacks of `npm run eval` against 10 (and 3 of 994 common single words against 4).
    inputs: 'sentence+token-max-min',
    // Five cross-fitted models: the threshold rests on 585 benign training prompts scored out of
    // fold instead of 74 inner ones, and the average is steadier than one model (two seeds of one
    // model ranked validation at 94.1% and 89.9%; two seeds of the average gave 92.0% and 91.7% at
    // their thresholds, and 93.1% and 93.2% out of fold).
    folds: 5,
    // Five MLPs of 16 hidden units (80 side by side in the shipped head: 10.5 MB, as one model of
    // 64 was); 16 per model ranked as well as 64 out of fold.
    trainer: {
      ...DEFAULT_TRAINER_OPTIONS,
      classWeightPower: 0.5,
      hidden: 16,
      l2: 1e-3,
      learningRate: 0.002,
    },
    // With the role-play and gibberish-suffix kinds, out-of-fold recall at 1.9% benign flagged went
    // 85.9% → 92.1% (role-play) → 93.1% (suffixes); 1,000 rows per kind 93.3%, 600 93.1%, 1,500 92.3%.
    // The few-words kind (one to three words of a benign prompt) stopped "hello" from being flagged
    // and cost the pooled head recall: out of fold 93.3% → 92.0%, validation 93.0% → 91.2% (both at
    // the out-of-fold threshold; the head without pooling stayed at 91.2% on validation).
    augmentPerKind: 1000,
    augmentWeight: 0.2,
    extra: jailbreakExtraRows,
    written: jailbreakWrittenRows,
    detection: {
      negativeLabel: 'benign',
      maxFalsePositiveRate: JAILBREAK_FALSE_POSITIVE_RATE,
      blockRate: JAILBREAK_BLOCK_RATE,
    },
    windows: JAILBREAK_WINDOWS,
  },
  custom: {
    description: 'A text classifier trained on user-supplied labelled texts.',
    defaultData: [],
    read: (files) => readCustomDataset(files),
    split: DEFAULT_SPLIT_RULE,
    dropNearDuplicates: false,
    lexical: DEFAULT_LEXICAL_CONFIG,
    inputs: 'sentence',
    folds: 1,
    trainer: { ...DEFAULT_TRAINER_OPTIONS },
    augmentPerKind: 0,
    augmentWeight: 1,
  },
};

/** The data files a task reads when none are given. */
export function defaultDataFiles(task: HeadTask): string[] {
  return RECIPES[task].defaultData;
}

/** The validation rows of a task's data under the shipped split (what `npm run eval` scores). */
export function validationRows(
  task: HeadTask,
  files: readonly string[] = defaultDataFiles(task),
): { dataset: LabeledDataset; rows: LabeledText[] } {
  const recipe = RECIPES[task];
  const dataset = recipe.read(files);
  return { dataset, rows: splitRows(dataset.rows, recipe.split).validation };
}

export interface TrainTaskOptions {
  task: HeadTask;
  files: readonly string[];
  out: string;
  seed: number;
  encoder: Embedder;
  /** Name written in the card and the head's id (default: the task). */
  name?: string;
  /** Cross-fitted models (default: the task's recipe; see `TrainingRunOptions.folds`). */
  folds?: number;
  /** The dense input (default: the task's recipe); `sentence` for an encoder without token pooling. */
  inputs?: HeadInputs;
}

/** What a task's recipe trains on and how, before it runs: the inputs of {@link runTraining}. */
export interface TaskRun {
  recipe: TaskRecipe;
  dataset: LabeledDataset;
  extra: ExtraRows | undefined;
  written: WrittenRows | undefined;
  options: TrainingRunOptions;
}

/** Reads a task's data and builds the training run its recipe describes (the split's training side). */
export function prepareTaskRun(options: Omit<TrainTaskOptions, 'out' | 'name'>): TaskRun {
  const recipe = RECIPES[options.task];
  const dataset = recipe.read(options.files);
  const extra = recipe.extra?.(dataset, splitRows(dataset.rows, recipe.split));
  const extraBenign = extra?.augmentationMaterial ? extra.rows.filter((row) => row.label === 'benign') : [];
  const written = recipe.written?.();
  const extraTrain = [
    ...(extra ? [{ rows: extra.rows, weight: extra.weight }] : []),
    ...(written ? [{ rows: written.rows, weight: written.weight }] : []),
  ];
  return {
    recipe,
    dataset,
    extra,
    written,
    options: {
      dataset,
      encoder: options.encoder,
      lexical: recipe.lexical,
      inputs: options.inputs ?? recipe.inputs,
      trainer: { ...recipe.trainer, seed: options.seed },
      folds: options.folds ?? recipe.folds,
      split: recipe.split,
      dropNearDuplicates: recipe.dropNearDuplicates,
      augmentPerKind: recipe.augmentPerKind,
      augmentWeight: recipe.augmentWeight,
      extraBenign,
      ...(extraTrain.length > 0 ? { extraTrain } : {}),
      ...(recipe.detection ? { detection: recipe.detection } : {}),
      ...(recipe.windows ? { windows: recipe.windows } : {}),
    },
  };
}

/** Trains one head end to end and writes it (head.onnx, card.json, README.md) into `out`. */
export async function trainTask(
  options: TrainTaskOptions,
  onProgress?: (progress: TrainingProgress) => void,
): Promise<{ card: HeadCard; result: TrainingRunResult }> {
  const { recipe, dataset, extra, written, options: run } = prepareTaskRun(options);
  const { trainer, folds, inputs } = run;
  const result = await runTraining(run, onProgress);
  const encoderName = modelName(options.encoder.id);
  const card = writeHead(
    options.out,
    result.weights,
    {
      name: options.name ?? options.task,
      description: recipe.description,
      labels: dataset.labels,
      encoder: { name: encoderName, id: options.encoder.id, dimensions: options.encoder.dimensions },
      lexical: recipe.lexical,
      inputs,
      hidden: result.weights.hidden,
      ...(result.decision ? { decision: result.decision } : {}),
      data: [...dataset.files, ...(extra?.files ?? [])],
      split: {
        rule: `${describeSplitRule(recipe.split)}${recipe.dropNearDuplicates ? `; training rows that near-duplicate a validation text of another source are dropped (${result.droppedNearDuplicates})` : ''}`,
        salt: recipe.split.salt,
        validationPercent: recipe.split.validationPercent,
        trainRows: result.trainRows,
        validationRows: result.validationRows,
      },
      training: {
        trainer,
        heldOut:
          folds === 1
            ? `one model; inner split: ${describeSplitRule(INNER_SPLIT_RULE)} (applied to the training side; early stopping${recipe.detection ? ' and the threshold' : ''})`
            : `${folds} folds of the training side, a component's fold being floor(bucket × ${folds} / 100) with its bucket from ${describeSplitRule({ ...recipe.split, salt: FOLD_RULE.salt }).replace(/; a component goes to validation.*$/, '')}${recipe.split.templates ? ' (a row with a template or behaviour going by its first one)' : ''} and the first 4 bytes of sha256("${FOLD_RULE.salt}:" + its smallest key) mod 100; one model per fold, trained on the other folds and early-stopped on its own${recipe.detection ? ', which it also scores for the threshold' : ''}; the head is the models' logit average (their hidden units side by side)`,
        augmentation:
          recipe.augmentPerKind > 0
            ? {
                perKind: recipe.augmentPerKind,
                weight: recipe.augmentWeight,
                kinds: AUGMENTATION_KINDS,
              }
            : null,
        extraRows: extra?.description ?? null,
        ...(written ? { writtenRows: written.description } : {}),
        variants: dataset.rows.some((row) => (row.variants?.length ?? 0) > 0)
          ? 'question alone and question + lettered options'
          : null,
        ...(result.heldOutDetection ? { heldOutDetection: result.heldOutDetection } : {}),
        examples: result.examples,
        models: result.models,
        classWeights: result.classWeights,
        seconds: Number(result.seconds.toFixed(1)),
      },
    },
    result.evaluation,
  );
  return { card, result };
}
