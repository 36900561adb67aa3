import type { Embedder, TextEncoding } from '../models/embedder.ts';
import { denseInput } from '../models/heads/dense-input.ts';
import { denseInputWidth, type HeadDecision, type HeadInputs } from '../models/heads/head-card.ts';
import { type HeadWeights, headProbabilities } from '../models/heads/head-weights.ts';
import { type LexicalConfig, lexicalFeatures } from '../models/heads/lexical-featurizer.ts';
import { fromFloat16, toFloat16 } from '../models/onnx/onnx-graph.ts';
import { seededRandom } from '../models/seeded-random.ts';
import { DEFAULT_SPLIT_RULE, type SplitRule, splitRows } from './group-split.ts';
import { evaluateHead, type HeadEvaluation, type ScoreTexts } from './head-evaluation.ts';
import { type EpochProgress, type TrainerOptions, type TrainingExample, trainHead } from './head-trainer.ts';
import { augmentJailbreakRows } from './jailbreak-augmentation.ts';
import type { LabeledDataset, LabeledText } from './labeled-text.ts';
import { thresholdForFalsePositiveRate } from './metrics.ts';

/** The inner split of the training side, for early stopping and choosing the threshold. */
export const INNER_SPLIT_RULE: SplitRule = { ...DEFAULT_SPLIT_RULE, salt: 'inner-v1', validationPercent: 15 };

/** How a detection head's threshold is set: the benign rate flagged on the inner split. */
export interface DetectionTarget {
  negativeLabel: string;
  maxFalsePositiveRate: number;
}

export interface TrainingRunOptions {
  dataset: LabeledDataset;
  encoder: Embedder;
  lexical: LexicalConfig;
  /** The dense input the head reads (token pooling needs an encoder with `encode`). */
  inputs: HeadInputs;
  trainer: TrainerOptions;
  split: SplitRule;
  /** Synthetic rows per augmentation kind on each side (jailbreak-style data; 0 for none). */
  augmentPerKind: number;
  /** Loss weight of synthetic rows. */
  augmentWeight: number;
  /** Extra benign texts used as augmentation material (e.g. exam questions), training side only. */
  extraBenign: LabeledText[];
  /**
   * Extra labelled rows from other data sets (already de-duplicated against the validation split),
   * trained on as they are (with their variants) at `weight`; never in the inner or validation split.
   */
  extraTrain?: { rows: LabeledText[]; weight: number };
  detection?: DetectionTarget;
}

export type TrainingProgress =
  | { phase: 'features'; done: number; total: number }
  | { phase: 'train'; epoch: EpochProgress };

export interface TrainingRunResult {
  weights: HeadWeights;
  decision?: HeadDecision;
  /** Detection on the inner split's natural rows at the chosen threshold (what model choices are judged by). */
  innerDetection?: { recall: number; flaggedBenign: number; attacks: number; benign: number };
  evaluation: HeadEvaluation;
  trainRows: number;
  validationRows: number;
  examples: { train: number; inner: number; augmented: number; extra: number };
  bestEpoch: number;
  epochsRun: number;
  classWeights: Record<string, number>;
  seconds: number;
}

/** Rounds the lexical table to float16, as the ONNX head stores it, so measurements match the shipped head. */
function roundLexical(weights: HeadWeights): HeadWeights {
  return { ...weights, lexical: fromFloat16(toFloat16(weights.lexical)) };
}

/**
 * Splits the dataset, featurises (sentence vectors + lexical features), trains with early stopping
 * on an inner split, sets the decision threshold on the inner split, and scores the head on the
 * held-out validation side with the weights as they will be shipped.
 */
export async function runTraining(
  options: TrainingRunOptions,
  onProgress?: (progress: TrainingProgress) => void,
): Promise<TrainingRunResult> {
  const started = performance.now();
  const { dataset, encoder, lexical, inputs } = options;
  const dims = denseInputWidth(inputs, encoder.dimensions);
  const encode = (texts: readonly string[]): Promise<TextEncoding[]> => {
    if (inputs === 'sentence')
      return encoder.embed(texts).then((vectors) => vectors.map((embedding) => ({ embedding })));
    if (encoder.encode === undefined) throw new Error(`encoder ${encoder.id} has no token pooling`);
    return encoder.encode(texts);
  };
  const labelIndex = new Map(dataset.labels.map((label, i) => [label, i]));
  const { train, validation } = splitRows(dataset.rows, options.split);
  const { train: fit, validation: inner } = splitRows(train, INNER_SPLIT_RULE);
  const random = seededRandom(options.trainer.seed ^ 0x5eed);
  const augmentFit = augmentJailbreakRows(fit, random, options.augmentPerKind, options.extraBenign);
  const augmentInner = augmentJailbreakRows(inner, random, Math.round(options.augmentPerKind * 0.25));

  type Pending = { text: string; label: string; weight: number };
  const expand = (rows: readonly LabeledText[], weight: number): Pending[] =>
    rows.flatMap((row) =>
      [row.text, ...(row.variants ?? [])].map((text) => ({ text, label: row.label, weight })),
    );
  const fitPending = [
    ...expand(fit, 1),
    ...expand(augmentFit, options.augmentWeight),
    ...expand(options.extraTrain?.rows ?? [], options.extraTrain?.weight ?? 1),
  ];
  const innerPending = [
    ...inner.map((row) => ({ text: row.text, label: row.label, weight: 1 })),
    ...expand(augmentInner, 1),
  ];

  const total = fitPending.length + innerPending.length;
  let done = 0;
  const featurize = async (pending: Pending[]): Promise<TrainingExample[]> => {
    const out: TrainingExample[] = [];
    for (let start = 0; start < pending.length; start += 256) {
      const chunk = pending.slice(start, start + 256);
      const encodings = await encode(chunk.map((p) => p.text));
      chunk.forEach((p, i) => {
        out.push({
          embedding: denseInput(encodings[i] as TextEncoding, inputs, encoder.dimensions),
          lexical: lexicalFeatures(p.text, lexical),
          label: labelIndex.get(p.label) as number,
          weight: p.weight,
        });
      });
      done += chunk.length;
      onProgress?.({ phase: 'features', done, total });
    }
    return out;
  };
  const fitExamples = await featurize(fitPending);
  const innerExamples = await featurize(innerPending);

  const trained = trainHead(
    {
      labels: dataset.labels,
      dims,
      buckets: lexical.buckets,
      hidden: options.trainer.hidden,
    },
    fitExamples,
    innerExamples,
    options.trainer,
    (epoch) => onProgress?.({ phase: 'train', epoch }),
  );
  const weights = roundLexical(trained.weights);

  const score: ScoreTexts = async (texts) => {
    const out: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += 256) {
      const chunk = texts.slice(start, start + 256);
      const encodings = await encode(chunk);
      chunk.forEach((text, i) => {
        const dense = denseInput(encodings[i] as TextEncoding, inputs, encoder.dimensions);
        out.push(headProbabilities(weights, dense, lexicalFeatures(text, lexical)));
      });
    }
    return out;
  };

  let decision: HeadDecision | undefined;
  let innerDetection: TrainingRunResult['innerDetection'];
  if (options.detection) {
    const negative = labelIndex.get(options.detection.negativeLabel);
    if (negative === undefined) throw new Error(`no label ${options.detection.negativeLabel} in the data`);
    // Natural inner rows only: synthetic benign rows (openings, joins) include fragments no user would send.
    const natural = innerExamples.slice(0, inner.length);
    const flagScores = natural.map(
      (e) => 1 - (headProbabilities(weights, e.embedding, e.lexical)[negative] as number),
    );
    const threshold = thresholdForFalsePositiveRate(
      flagScores,
      natural.map((e) => e.label !== negative),
      options.detection.maxFalsePositiveRate,
    );
    const positives = natural.map((e) => e.label !== negative);
    const flagged = flagScores.map((score) => score >= threshold);
    const attacks = positives.filter(Boolean).length;
    const benign = positives.length - attacks;
    innerDetection = {
      recall:
        attacks === 0 ? 0 : Number((flagged.filter((f, i) => f && positives[i]).length / attacks).toFixed(4)),
      flaggedBenign:
        benign === 0 ? 0 : Number((flagged.filter((f, i) => f && !positives[i]).length / benign).toFixed(4)),
      attacks,
      benign,
    };
    decision = {
      negativeLabel: options.detection.negativeLabel,
      threshold: Number(threshold.toFixed(6)),
      rule: `flag when P(not ${options.detection.negativeLabel}) >= threshold; the threshold is the lowest that flags at most ${(options.detection.maxFalsePositiveRate * 100).toFixed(1)}% of the benign prompts of the inner split (its natural rows; synthetic rows train only), never the validation split`,
    };
  }
  const evaluation = await evaluateHead(dataset.labels, validation, score, decision);
  return {
    weights,
    ...(decision ? { decision } : {}),
    ...(innerDetection ? { innerDetection } : {}),
    evaluation,
    trainRows: train.length,
    validationRows: validation.length,
    examples: {
      train: fitExamples.length,
      inner: innerExamples.length,
      augmented: augmentFit.length + augmentInner.length,
      extra: options.extraTrain?.rows.length ?? 0,
    },
    bestEpoch: trained.bestEpoch,
    epochsRun: trained.epochs.length,
    classWeights: Object.fromEntries(
      dataset.labels.map((label, i) => [label, Number((trained.classWeights[i] as number).toFixed(4))]),
    ),
    seconds: (performance.now() - started) / 1000,
  };
}
