import { createHash } from 'node:crypto';
import { type Embedder, encodeTexts, type TextEncoding } from '../models/embedder.ts';
import { denseInput } from '../models/heads/dense-input.ts';
import type { HeadInputs } from '../models/heads/head-card.ts';
import { type HeadWeights, headProbabilities } from '../models/heads/head-weights.ts';
import {
  DEFAULT_LEXICAL_CONFIG,
  type LexicalConfig,
  lexicalFeatures,
} from '../models/heads/lexical-featurizer.ts';
import { fromFloat16, toFloat16 } from '../models/onnx/onnx-graph.ts';
import { clipForModel } from '../signals/request-embedding.ts';
import { normalizeText } from './group-split.ts';
import { averageHeads } from './head-ensemble.ts';
import {
  DEFAULT_TRAINER_OPTIONS,
  type TrainerOptions,
  type TrainingExample,
  trainHead,
} from './head-trainer.ts';
import type { OutcomeRow } from './outcome-rows.ts';

/** How the quality head is trained. */
export interface QualityRecipe {
  lexical: LexicalConfig;
  /** The dense input: the sentence vector, or with the encoder's token pooling too. */
  inputs: HeadInputs;
  trainer: TrainerOptions;
  /** Models trained with different seeds (and inner splits) whose logits the shipped head averages. */
  members: number;
  /** Share of the training side held out (by group) for early stopping. */
  innerPercent: number;
}

/**
 * The shipped recipe: sigmoid MLPs (one output per model, a shared hidden layer, so what 29 models'
 * results say about a prompt's difficulty helps predict each) over the sentence vector and hashed
 * n-grams, averaged over a few seeds (single models varied by several points of the routing figure).
 */
export const QUALITY_HEAD_RECIPE: QualityRecipe = {
  lexical: { ...DEFAULT_LEXICAL_CONFIG, buckets: 1 << 14 },
  inputs: 'sentence',
  trainer: {
    ...DEFAULT_TRAINER_OPTIONS,
    // Two members of 16 units: held-out figures as good as four of 16 or of 32 (within the spread
    // between seeds), at a quarter of the forward pass of four of 32 (BENCHMARKS.md).
    hidden: 16,
    l2: 1e-3,
    learningRate: 0.003,
    maxEpochs: 20,
    patience: 2,
  },
  members: 2,
  innerPercent: 15,
};

/**
 * The features of a prompt as the router computes them: the head's dense input (the sentence
 * vector, with the token pooling when the recipe reads it) and lexical features; and the encoding
 * itself (the bandit's projections read its sentence vector).
 */
export type PromptFeatures = Pick<TrainingExample, 'embedding' | 'lexical'> & { encoding: TextEncoding };

/** Featurises prompts with the encoder (in batches) as the router would read them (clipped like a request's text). */
export async function featurizePrompts(
  prompts: readonly string[],
  encoder: Embedder,
  lexical: LexicalConfig,
  inputs: HeadInputs = 'sentence',
): Promise<PromptFeatures[]> {
  const out: PromptFeatures[] = [];
  for (let start = 0; start < prompts.length; start += 256) {
    const chunk = prompts.slice(start, start + 256).map(clipForModel);
    const encodings = await encodeTexts(encoder, chunk);
    chunk.forEach((text, i) => {
      const encoding = encodings[i] as TextEncoding;
      out.push({
        embedding: denseInput(encoding, inputs, encoder.dimensions),
        lexical: lexicalFeatures(text, lexical),
        encoding,
      });
    });
  }
  return out;
}

function innerHeldOut(row: OutcomeRow, member: number, percent: number): boolean {
  const key = row.group ?? normalizeText(row.prompt);
  return (
    createHash('sha256').update(`selection-inner-${member}:${key}`).digest().readUInt32BE(0) % 100 < percent
  );
}

/** A training example per row: targets are the row's outcomes per model (NaN where the row has none). */
function toExamples(
  rows: readonly OutcomeRow[],
  features: readonly PromptFeatures[],
  models: readonly string[],
): TrainingExample[] {
  return rows.map((row, i) => {
    const targets = Float32Array.from(models, (model) => row.outcomes[model] ?? Number.NaN);
    const { embedding, lexical } = features[i] as PromptFeatures;
    return { embedding, lexical, label: 0, weight: 1, targets };
  });
}

/**
 * Trains the quality head: P(model answers well | prompt) for each of `models`. Each member is
 * early-stopped on its own share of the rows held out by group (another hash salt per member) and
 * seeded apart; the head is their logit average (see `averageHeads`), its lexical table rounded to
 * float16 as the ONNX file stores it.
 */
export function trainQualityHead(
  rows: readonly OutcomeRow[],
  features: readonly PromptFeatures[],
  models: readonly string[],
  recipe: QualityRecipe = QUALITY_HEAD_RECIPE,
  seed = 1,
  onMember?: (member: number, bestEpoch: number) => void,
): { weights: HeadWeights; bestEpochs: number[] } {
  const dims = (features[0] as PromptFeatures).embedding.length;
  const members: HeadWeights[] = [];
  const bestEpochs: number[] = [];
  for (let member = 0; member < recipe.members; member++) {
    const fit: number[] = [];
    const inner: number[] = [];
    rows.forEach((row, i) => {
      (innerHeldOut(row, member, recipe.innerPercent) ? inner : fit).push(i);
    });
    const pick = (indices: number[]) =>
      toExamples(
        indices.map((i) => rows[i] as OutcomeRow),
        indices.map((i) => features[i] as PromptFeatures),
        models,
      );
    const trained = trainHead(
      {
        labels: models,
        dims,
        buckets: recipe.lexical.buckets,
        hidden: recipe.trainer.hidden,
        activation: 'sigmoid',
      },
      pick(fit),
      pick(inner),
      { ...recipe.trainer, seed: seed + member * 7919 },
    );
    members.push(trained.weights);
    bestEpochs.push(trained.bestEpoch);
    onMember?.(member, trained.bestEpoch);
  }
  const averaged = averageHeads(members);
  return { weights: { ...averaged, lexical: fromFloat16(toFloat16(averaged.lexical)) }, bestEpochs };
}

/** Predicted quality per model (in the head's label order) for each featurised prompt. */
export function predictQualities(weights: HeadWeights, features: readonly PromptFeatures[]): Float32Array[] {
  return features.map((f) => headProbabilities(weights, f.embedding, f.lexical));
}
