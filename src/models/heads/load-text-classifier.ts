import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModelLoadError, sha256 } from '../model-files.ts';
import { modelId } from '../model-id.ts';
import { denseInput } from './dense-input.ts';
import { checkHeadCard, denseInputWidth, HEAD_FILES, type HeadCard, type HeadDecision } from './head-card.ts';
import { readHeadWeights } from './head-model-reader.ts';
import { type HeadWeights, headProbabilities } from './head-weights.ts';
import { lexicalFeatures } from './lexical-featurizer.ts';
import type { ClassifierInput, TextClassification, TextClassifier } from './text-classifier.ts';

/** A head loaded from its folder: the classifier, its card, and its decision threshold if it has one. */
export interface TrainedTextClassifier extends TextClassifier {
  readonly card: HeadCard;
  readonly decision: HeadDecision | undefined;
}

/** P(not `decision.negativeLabel`) of a classification: the score a decision threshold applies to. */
function positiveScore(classification: TextClassification, decision: HeadDecision): number {
  return 1 - (classification.scores[decision.negativeLabel] ?? 0);
}

/** Whether a classification passes a head's decision threshold (e.g. a prompt flagged as an attack). */
export function isFlagged(classification: TextClassification, decision: HeadDecision): boolean {
  return positiveScore(classification, decision) >= decision.threshold;
}

function readCard(directory: string): HeadCard {
  const file = join(directory, HEAD_FILES.card);
  if (!existsSync(file)) throw new ModelLoadError(file, 'not found; train it with `semantic-router train`');
  try {
    return checkHeadCard(JSON.parse(readFileSync(file, 'utf8')));
  } catch (error) {
    throw new ModelLoadError(file, `unusable card (${(error as Error).message})`, { cause: error });
  }
}

/**
 * Loads a trained head from `directory` (`head.onnx` + `card.json`). The model's SHA-256 must equal
 * the card's, and its weight tensors must have the shapes the card implies (one output per label).
 * A missing, corrupt or mismatched file throws a ModelLoadError naming it. The head's forward pass
 * runs in JavaScript on the weights read from `head.onnx` (it computes what the ONNX graph computes;
 * tests check both agree), which costs microseconds instead of an onnxruntime call per batch.
 * Inputs' encodings must come from the encoder the card names (`encoderName`), with its token
 * pooling when the card's `inputs` reads it; a vector of another size, or missing pooling, is an error.
 */
export async function loadTextClassifier(directory: string): Promise<TrainedTextClassifier> {
  const card = readCard(directory);
  const modelFile = join(directory, HEAD_FILES.model);
  if (!existsSync(modelFile))
    throw new ModelLoadError(modelFile, 'not found; train it with `semantic-router train`');
  const bytes = readFileSync(modelFile);
  const digest = sha256(bytes);
  const expected = card.files[HEAD_FILES.model] as string;
  if (digest !== expected)
    throw new ModelLoadError(
      modelFile,
      `SHA-256 ${digest.slice(0, 12)}… differs from the card's ${expected.slice(0, 12)}…; retrain or restore it`,
    );
  const labels = card.labels;
  const denseKind = card.inputs ?? 'sentence';
  const encoderDims = card.encoder.dimensions;
  const dims = denseInputWidth(denseKind, encoderDims);
  const id = modelId(card.name, digest);
  let weights: HeadWeights;
  try {
    weights = readHeadWeights(bytes, {
      labels,
      dims,
      buckets: card.lexical.buckets,
      hidden: card.hidden,
      ...(card.activation === 'sigmoid' && { activation: 'sigmoid' as const }),
    });
  } catch (error) {
    throw new ModelLoadError(modelFile, `not a usable classifier head (${(error as Error).message})`, {
      cause: error,
    });
  }

  async function classify(inputs: readonly ClassifierInput[]): Promise<TextClassification[]> {
    return inputs.map((input) => {
      let dense: Float32Array;
      try {
        dense = denseInput(input, denseKind, encoderDims);
      } catch (error) {
        throw new Error(`${id}: ${(error as Error).message}`);
      }
      const probabilities = headProbabilities(weights, dense, lexicalFeatures(input.text, card.lexical));
      const scores: Record<string, number> = {};
      let best = 0;
      labels.forEach((label, k) => {
        scores[label] = probabilities[k] as number;
        if ((probabilities[k] as number) > (probabilities[best] as number)) best = k;
      });
      return { label: labels[best] as string, score: probabilities[best] as number, scores };
    });
  }

  return {
    id,
    labels,
    encoderName: card.encoder.name,
    ...(typeof card.encoder.id === 'string' && { encoderId: card.encoder.id }),
    readsTokenPooling: denseKind !== 'sentence',
    card,
    decision: card.decision,
    classify,
  };
}
