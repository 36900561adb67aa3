import { join } from 'node:path';
import type { Embedder } from '../models/embedder.ts';
import type { HeadCard } from '../models/heads/head-card.ts';
import { DEFAULT_LEXICAL_CONFIG, type LexicalConfig } from '../models/heads/lexical-featurizer.ts';
import { MODELS_DIR } from '../models/model-files.ts';
import {
  DEFAULT_DOMAIN_DATA,
  DEFAULT_JAILBREAK_DATA,
  readCustomDataset,
  readDomainDataset,
  readJailbreakDataset,
} from './dataset-readers.ts';
import { DEFAULT_SPLIT_RULE, describeSplitRule, splitRows } from './group-split.ts';
import { writeHead } from './head-export.ts';
import { DEFAULT_TRAINER_OPTIONS, type TrainerOptions } from './head-trainer.ts';
import type { LabeledDataset, LabeledText } from './labeled-text.ts';
import {
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

/** Largest share of benign prompts the jailbreak threshold may flag on the inner split. */
export const JAILBREAK_INNER_FALSE_POSITIVE_RATE = 0.02;

interface TaskRecipe {
  description: string;
  defaultData: string[];
  read(files: readonly string[]): LabeledDataset;
  lexical: LexicalConfig;
  trainer: Omit<TrainerOptions, 'seed'>;
  augmentPerKind: number;
  augmentWeight: number;
  /** Exam questions used as benign augmentation material (jailbreak). */
  examQuestionsAsBenign: number;
  detection?: TrainingRunOptions['detection'];
}

const RECIPES: Record<HeadTask, TaskRecipe> = {
  domain: {
    description:
      'Classifies a prompt into one of the 14 MMLU-Pro subject categories (the domain of a question), for routing by subject.',
    defaultData: [DEFAULT_DOMAIN_DATA],
    read: readDomainDataset,
    // Twice the default buckets: fewer collisions among 14 subjects' vocabularies (+0.5 point on validation).
    lexical: { ...DEFAULT_LEXICAL_CONFIG, buckets: 1 << 17 },
    trainer: { ...DEFAULT_TRAINER_OPTIONS, l2: 0.3 },
    augmentPerKind: 0,
    augmentWeight: 1,
    examQuestionsAsBenign: 0,
  },
  jailbreak: {
    description:
      'Detects jailbreaks, prompt injections and harmful requests; a prompt is flagged when P(not benign) reaches the threshold.',
    defaultData: [DEFAULT_JAILBREAK_DATA],
    read: readJailbreakDataset,
    lexical: DEFAULT_LEXICAL_CONFIG,
    trainer: { ...DEFAULT_TRAINER_OPTIONS, classWeightPower: 0.5 },
    augmentPerKind: 600,
    augmentWeight: 0.2,
    examQuestionsAsBenign: 600,
    detection: { negativeLabel: 'benign', maxFalsePositiveRate: JAILBREAK_INNER_FALSE_POSITIVE_RATE },
  },
  custom: {
    description: 'A text classifier trained on user-supplied labelled texts.',
    defaultData: [],
    read: (files) => readCustomDataset(files),
    lexical: DEFAULT_LEXICAL_CONFIG,
    trainer: { ...DEFAULT_TRAINER_OPTIONS },
    augmentPerKind: 0,
    augmentWeight: 1,
    examQuestionsAsBenign: 0,
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
  const dataset = RECIPES[task].read(files);
  return { dataset, rows: splitRows(dataset.rows, DEFAULT_SPLIT_RULE).validation };
}

function examQuestions(count: number): LabeledText[] {
  if (count === 0) return [];
  const train = splitRows(readDomainDataset().rows, DEFAULT_SPLIT_RULE).train;
  const step = Math.max(1, Math.floor(train.length / count));
  return train
    .filter((_, i) => i % step === 0)
    .slice(0, count)
    .map((row) => ({ text: row.text, label: 'benign', source: 'mmlu-pro' }));
}

export interface TrainTaskOptions {
  task: HeadTask;
  files: readonly string[];
  out: string;
  seed: number;
  encoder: Embedder;
  /** Name written in the card and the head's id (default: the task). */
  name?: string;
}

/** Trains one head end to end and writes it (head.onnx, card.json, README.md) into `out`. */
export async function trainTask(
  options: TrainTaskOptions,
  onProgress?: (progress: TrainingProgress) => void,
): Promise<{ card: HeadCard; result: TrainingRunResult }> {
  const recipe = RECIPES[options.task];
  const dataset = recipe.read(options.files);
  const extraBenign = examQuestions(recipe.examQuestionsAsBenign);
  const trainer = { ...recipe.trainer, seed: options.seed };
  const result = await runTraining(
    {
      dataset,
      encoder: options.encoder,
      lexical: recipe.lexical,
      trainer,
      split: DEFAULT_SPLIT_RULE,
      augmentPerKind: recipe.augmentPerKind,
      augmentWeight: recipe.augmentWeight,
      extraBenign,
      ...(recipe.detection ? { detection: recipe.detection } : {}),
    },
    onProgress,
  );
  const encoderName = options.encoder.id.split('@')[0] as string;
  const card = writeHead(
    options.out,
    result.weights,
    {
      name: options.name ?? options.task,
      description: recipe.description,
      labels: dataset.labels,
      encoder: { name: encoderName, id: options.encoder.id, dimensions: options.encoder.dimensions },
      lexical: recipe.lexical,
      hidden: trainer.hidden,
      ...(result.decision ? { decision: result.decision } : {}),
      data: [
        ...dataset.files,
        ...(extraBenign.length > 0
          ? readDomainDataset().files.map((f) => ({
              ...f,
              file: `${f.file} (${extraBenign.length} training-side questions as benign prompts)`,
            }))
          : []),
      ],
      split: {
        rule: describeSplitRule(DEFAULT_SPLIT_RULE),
        salt: DEFAULT_SPLIT_RULE.salt,
        validationPercent: DEFAULT_SPLIT_RULE.validationPercent,
        trainRows: result.trainRows,
        validationRows: result.validationRows,
      },
      training: {
        trainer,
        innerSplit: `${describeSplitRule(INNER_SPLIT_RULE)} (applied to the training side; early stopping${recipe.detection ? ' and the threshold' : ''})`,
        augmentation:
          recipe.augmentPerKind > 0
            ? {
                perKind: recipe.augmentPerKind,
                weight: recipe.augmentWeight,
                kinds: [
                  'long-benign',
                  'benign-in-context',
                  'short-benign',
                  'short-attack',
                  'embedded-attack',
                ],
              }
            : null,
        variants: dataset.rows.some((row) => (row.variants?.length ?? 0) > 0)
          ? 'question alone and question + lettered options'
          : null,
        examples: result.examples,
        bestEpoch: result.bestEpoch,
        epochsRun: result.epochsRun,
        classWeights: result.classWeights,
        seconds: Number(result.seconds.toFixed(1)),
      },
    },
    result.evaluation,
  );
  return { card, result };
}
