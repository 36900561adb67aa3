import { type Embedder, encodeTexts, type TextEncoding } from '../models/embedder.ts';
import { denseInput } from '../models/heads/dense-input.ts';
import { denseInputWidth, type HeadDecision, type HeadInputs } from '../models/heads/head-card.ts';
import { type HeadWeights, headProbabilities } from '../models/heads/head-weights.ts';
import { type LexicalConfig, lexicalFeatures } from '../models/heads/lexical-featurizer.ts';
import { textWindows, type WindowConfig } from '../models/heads/text-windows.ts';
import { fromFloat16, toFloat16 } from '../models/onnx/onnx-graph.ts';
import { seededRandom } from '../models/seeded-random.ts';
import { clipForModel } from '../signals/request-embedding.ts';
import { chooseDecision, type DetectionTarget, type HeldOutDetection } from './detection-decision.ts';
import { DEFAULT_SPLIT_RULE, foldRows, type SplitRule, splitRows } from './group-split.ts';
import { averageHeads } from './head-ensemble.ts';
import { evaluateHead, type HeadEvaluation, type ScoreTexts } from './head-evaluation.ts';
import { type EpochProgress, type TrainerOptions, type TrainingExample, trainHead } from './head-trainer.ts';
import { augmentJailbreakRows } from './jailbreak-augmentation.ts';
import type { LabeledDataset, LabeledText } from './labeled-text.ts';
import { NearDuplicateIndex } from './near-duplicates.ts';
import { windowRows } from './window-rows.ts';

/** The inner split of the training side, for early stopping and choosing the threshold (one model). */
export const INNER_SPLIT_RULE: SplitRule = { ...DEFAULT_SPLIT_RULE, salt: 'inner-v1', validationPercent: 15 };

/** How the training side is dealt into folds when a head is cross-fitted (its `validationPercent` is unused). */
export const FOLD_RULE: SplitRule = { ...DEFAULT_SPLIT_RULE, salt: 'fold-v1' };

/** The inner split or the folds under a task's own split rule (its templates and behaviours too). */
function heldOutRule(base: SplitRule, split: SplitRule): SplitRule {
  return { ...split, salt: base.salt, validationPercent: base.validationPercent };
}

/** A text's features, as training reads them; shareable between runs over one encoder and config. */
export type FeatureCache = Map<string, { embedding: Float32Array; lexical: TrainingExample['lexical'] }>;

export interface TrainingRunOptions {
  dataset: LabeledDataset;
  encoder: Embedder;
  lexical: LexicalConfig;
  /** The dense input the head reads (token pooling needs an encoder with `encode`). */
  inputs: HeadInputs;
  trainer: TrainerOptions;
  split: SplitRule;
  /**
   * The rows to train on and to validate on, instead of `split` (e.g. every source but one, and
   * that source); `split` still deals the training rows into the inner split or folds.
   */
  partition?: { train: LabeledText[]; validation: LabeledText[] };
  /**
   * Drop training rows that near-duplicate a validation text of another source (sources quoting
   * each other); within a source the split's components already keep duplicates on one side.
   */
  dropNearDuplicates?: boolean;
  /** Features computed by an earlier run over the same encoder, inputs and lexical config; filled as texts are featurised. */
  featureCache?: FeatureCache;

  /**
   * 1: one model, early-stopped on the inner split of the training side. K ≥ 2: cross-fitting: the
   * training side is dealt into K folds ({@link FOLD_RULE}), one model is trained on each K − 1
   * folds and early-stopped on the fold left out, and the shipped head is their logit average;
   * every training row is then scored by a model that never saw it (out of fold), so the
   * threshold rests on the whole training side instead of a small inner split.
   */
  folds: number;
  /** Synthetic rows per augmentation kind on each side (jailbreak-style data; 0 for none). */
  augmentPerKind: number;
  /** Loss weight of synthetic rows. */
  augmentWeight: number;
  /** Extra benign texts used as augmentation material (e.g. exam questions), training side only. */
  extraBenign: LabeledText[];
  /**
   * Groups of extra labelled rows (from other data sets, already de-duplicated against the
   * validation split, or hand-written), each trained on as it is (with its variants) at its
   * `weight`; never held out.
   */
  extraTrain?: { rows: LabeledText[]; weight: number }[];
  detection?: DetectionTarget;
  /**
   * Detection heads only: also read long texts in these windows, a text's score being its highest
   * piece's (the threshold is chosen on those scores), and train on windows of long benign rows and
   * on the window around an instruction inserted into a benign row of the same group.
   */
  windows?: WindowConfig;
}

export type TrainingProgress =
  | { phase: 'features'; done: number; total: number }
  | { phase: 'train'; part: number; parts: number; epoch: EpochProgress };

export interface TrainingRunResult {
  weights: HeadWeights;
  decision?: HeadDecision;
  /** Detection on the held-out rows the threshold was chosen on (the inner split, or every row out of fold). */
  heldOutDetection?: HeldOutDetection;
  evaluation: HeadEvaluation;
  /** Label probabilities of texts under the trained head (the shipped weights). */
  score: ScoreTexts;
  trainRows: number;
  /** Training rows dropped as near-duplicates of validation texts. */
  droppedNearDuplicates: number;
  validationRows: number;
  examples: { train: number; heldOut: number; augmented: number; extra: number };
  /** Per model (one, or one per fold): the epoch whose weights were kept, and epochs run. */
  models: { heldOutRows: number; bestEpoch: number; epochsRun: number }[];
  classWeights: Record<string, number>;
  seconds: number;
}

/** The probabilities of the piece least likely to be `negative` (a text's score is its worst piece's). */
function highestPiece(pieces: readonly Float32Array[], negative: number): Float32Array {
  let best = pieces[0] as Float32Array;
  for (const piece of pieces) if ((piece[negative] as number) < (best[negative] as number)) best = piece;
  return best;
}

/** Rounds the lexical table to float16, as the ONNX head stores it, so measurements match the shipped head. */
function roundLexical(weights: HeadWeights): HeadWeights {
  return { ...weights, lexical: fromFloat16(toFloat16(weights.lexical)) };
}

type Pending = { text: string; label: string; weight: number };

const expand = (rows: readonly LabeledText[], weight: number): Pending[] =>
  rows.flatMap((row) =>
    [row.text, ...(row.variants ?? [])].map((text) => ({ text, label: row.label, weight })),
  );

/** The held-out parts of the training side: the inner split (one model) or K folds. */
function heldOutParts(train: readonly LabeledText[], folds: number, split: SplitRule): LabeledText[][] {
  if (folds === 1) return [splitRows(train, heldOutRule(INNER_SPLIT_RULE, split)).validation];
  return foldRows(train, heldOutRule(FOLD_RULE, split), folds);
}

/**
 * Splits the dataset, featurises (dense encoder inputs + lexical features), trains one model per
 * held-out part with early stopping on that part, combines them, sets the decision threshold on
 * the held-out scores, and scores the head on the validation side with the weights as shipped.
 */
export async function runTraining(
  options: TrainingRunOptions,
  onProgress?: (progress: TrainingProgress) => void,
): Promise<TrainingRunResult> {
  const started = performance.now();
  const { dataset, encoder, lexical, inputs } = options;
  const dims = denseInputWidth(inputs, encoder.dimensions);
  if (inputs !== 'sentence' && encoder.encode === undefined)
    throw new Error(`encoder ${encoder.id} has no token pooling`);
  const encode = (texts: readonly string[]) => encodeTexts(encoder, texts);
  const labelIndex = new Map(dataset.labels.map((label, i) => [label, i]));
  const partition = options.partition ?? splitRows(dataset.rows, options.split);
  const { validation } = partition;
  let train = partition.train;
  const trainedOn = train.length;
  if (options.dropNearDuplicates) {
    const references = new NearDuplicateIndex(validation.map((row) => row.text));
    train = train.filter((row) =>
      references.matches(row.text).every((id) => validation[id]?.source === row.source),
    );
  }
  const parts = heldOutParts(train, options.folds, options.split);
  const random = seededRandom(options.trainer.seed ^ 0x5eed);
  const windows = options.detection ? options.windows : undefined;
  const negativeLabel = options.detection?.negativeLabel ?? '';
  const plans = parts.map((held) => {
    const heldSet = new Set(held);
    const fit = train.filter((row) => !heldSet.has(row));
    return {
      fit,
      held,
      augmentFit: [
        ...augmentJailbreakRows(fit, random, options.augmentPerKind, options.extraBenign),
        ...(windows ? windowRows(fit, windows, negativeLabel, random, options.augmentPerKind) : []),
      ],
      augmentHeld: augmentJailbreakRows(held, random, Math.round(options.augmentPerKind * 0.25)),
    };
  });
  /** The texts a detection head reads of a text: the text (as the router cuts it) and its windows. */
  const piecesOf = (text: string): string[] => {
    const clipped = clipForModel(text);
    if (!windows) return [clipped];
    return [clipped, ...textWindows(clipped, windows).map((w) => clipped.slice(w.start, w.end))];
  };

  // Each distinct text is featurised once, however many parts use it.
  const featureCache: FeatureCache = options.featureCache ?? new Map();
  const allTexts = new Set<string>();
  const extraRows = (options.extraTrain ?? []).flatMap((group) => group.rows);
  for (const pending of [expand(train, 1), expand(extraRows, 1)])
    for (const p of pending) allTexts.add(p.text);
  if (options.detection) for (const row of train) for (const piece of piecesOf(row.text)) allTexts.add(piece);
  for (const plan of plans)
    for (const p of [...expand(plan.augmentFit, 1), ...expand(plan.augmentHeld, 1)]) allTexts.add(p.text);
  const texts = [...allTexts].filter((text) => !featureCache.has(text));
  for (let start = 0; start < texts.length; start += 256) {
    const chunk = texts.slice(start, start + 256);
    const encodings = await encode(chunk);
    chunk.forEach((text, i) => {
      featureCache.set(text, {
        embedding: denseInput(encodings[i] as TextEncoding, inputs, encoder.dimensions),
        lexical: lexicalFeatures(text, lexical),
      });
    });
    onProgress?.({ phase: 'features', done: Math.min(start + 256, texts.length), total: texts.length });
  }
  const examplesOf = (pending: Pending[]): TrainingExample[] =>
    pending.map((p) => {
      const features = featureCache.get(p.text);
      if (features === undefined) throw new Error(`no features for a text (${p.text.slice(0, 40)})`);
      return { ...features, label: labelIndex.get(p.label) as number, weight: p.weight };
    });

  const models: TrainingRunResult['models'] = [];
  const trainedWeights: HeadWeights[] = [];
  const heldOutScores: { probabilities: Float32Array; label: number; source: string }[] = [];
  let classWeights: number[] = [];
  let examples = { train: 0, heldOut: 0, augmented: 0, extra: extraRows.length };
  for (const [k, plan] of plans.entries()) {
    const fitExamples = examplesOf([
      ...expand(plan.fit, 1),
      ...expand(plan.augmentFit, options.augmentWeight),
      ...(options.extraTrain ?? []).flatMap((group) => expand(group.rows, group.weight)),
    ]);
    // Natural held-out rows first (their text alone): they score the threshold; synthetic ones only stop early.
    const natural = examplesOf(plan.held.map((row) => ({ text: row.text, label: row.label, weight: 1 })));
    const heldExamples = [...natural, ...examplesOf(expand(plan.augmentHeld, 1))];
    const trained = trainHead(
      { labels: dataset.labels, dims, buckets: lexical.buckets, hidden: options.trainer.hidden },
      fitExamples,
      heldExamples,
      { ...options.trainer, seed: options.trainer.seed + k },
      (epoch) => onProgress?.({ phase: 'train', part: k + 1, parts: plans.length, epoch }),
    );
    const weights = roundLexical(trained.weights);
    trainedWeights.push(weights);
    if (options.detection) {
      const negative = labelIndex.get(negativeLabel) as number;
      for (const row of plan.held) {
        const pieces = examplesOf(piecesOf(row.text).map((text) => ({ text, label: row.label, weight: 1 })));
        heldOutScores.push({
          probabilities: highestPiece(
            pieces.map((e) => headProbabilities(weights, e.embedding, e.lexical)),
            negative,
          ),
          label: labelIndex.get(row.label) as number,
          source: row.source ?? 'unknown',
        });
      }
    }
    models.push({
      heldOutRows: plan.held.length,
      bestEpoch: trained.bestEpoch,
      epochsRun: trained.epochs.length,
    });
    if (k === 0) classWeights = trained.classWeights;
    examples = {
      ...examples,
      train: Math.max(examples.train, fitExamples.length),
      heldOut: examples.heldOut + heldExamples.length,
      augmented: examples.augmented + plan.augmentFit.length + plan.augmentHeld.length,
    };
  }
  const weights = averageHeads(trainedWeights);

  const scorePieces = async (texts: readonly string[]): Promise<Float32Array[]> => {
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
  const score: ScoreTexts = async (texts) => {
    if (!options.detection) return scorePieces(texts);
    const negative = labelIndex.get(negativeLabel) as number;
    const pieces = texts.map(piecesOf);
    const scored = await scorePieces(pieces.flat());
    let at = 0;
    return pieces.map((own) => {
      const probabilities = scored.slice(at, at + own.length);
      at += own.length;
      return highestPiece(probabilities, negative);
    });
  };

  const chosen = options.detection
    ? chooseDecision(options.detection, heldOutScores, dataset.labels, options.folds, windows)
    : undefined;
  const decision = chosen?.decision;
  const heldOutDetection = chosen?.heldOutDetection;
  const evaluation = await evaluateHead(dataset.labels, validation, score, decision);
  return {
    weights,
    ...(decision ? { decision } : {}),
    ...(heldOutDetection ? { heldOutDetection } : {}),
    evaluation,
    score,
    trainRows: train.length,
    droppedNearDuplicates: trainedOn - train.length,
    validationRows: validation.length,
    examples,
    models,
    classWeights: Object.fromEntries(
      dataset.labels.map((label, i) => [label, Number((classWeights[i] as number).toFixed(4))]),
    ),
    seconds: (performance.now() - started) / 1000,
  };
}
