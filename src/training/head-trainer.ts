import {
  activateInPlace,
  createHeadWeights,
  firstLayer,
  firstLayerWidth,
  type HeadWeights,
} from '../models/heads/head-weights.ts';
import type { SparseFeatures } from '../models/heads/lexical-featurizer.ts';
import { seededRandom, shuffleInPlace } from '../models/seeded-random.ts';

/** One featurised example: its sentence vector, lexical features, label index and weight. */
export interface TrainingExample {
  embedding: Float32Array;
  lexical: SparseFeatures;
  label: number;
  /** Multiplies the example's loss (1 for ordinary rows; less for augmented ones). */
  weight: number;
  /**
   * For a sigmoid head: each label's target in 0..1, NaN where unknown (that label is not trained
   * on this example). `label` then only orders class weights.
   */
  targets?: Float32Array;
}

export interface TrainerOptions {
  /** Hidden units; 0 trains a linear softmax regression. */
  hidden: number;
  maxEpochs: number;
  batchSize: number;
  learningRate: number;
  /** Decoupled weight decay (AdamW) on every weight matrix, not on biases. */
  l2: number;
  /** Stop after this many epochs without a lower loss on the inner split; the best epoch's weights are kept. */
  patience: number;
  seed: number;
  /**
   * Weigh each class by (N / (classes × its count)) ^ power: 1 makes rare labels count as much as
   * common ones, 0 weighs every example alike, 0.5 is in between.
   */
  classWeightPower: number;
}

export const DEFAULT_TRAINER_OPTIONS: TrainerOptions = {
  hidden: 0,
  maxEpochs: 40,
  batchSize: 32,
  learningRate: 0.005,
  l2: 1e-4,
  patience: 4,
  seed: 1,
  classWeightPower: 1,
};

export interface EpochProgress {
  epoch: number;
  maxEpochs: number;
  trainLoss: number;
  innerLoss: number;
  innerAccuracy: number;
  improved: boolean;
}

export interface TrainedHead {
  weights: HeadWeights;
  bestEpoch: number;
  epochs: EpochProgress[];
  classWeights: number[];
}

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-8;

function cloneWeights(weights: HeadWeights): HeadWeights {
  return {
    ...weights,
    embedding: weights.embedding.slice(),
    lexical: weights.lexical.slice(),
    bias: weights.bias.slice(),
    output: weights.output.slice(),
    outputBias: weights.outputBias.slice(),
  };
}

/** Per-example forward pass keeping what backpropagation needs. */
function forward(weights: HeadWeights, example: TrainingExample, first: Float32Array): Float32Array {
  firstLayer(weights, example.embedding, example.lexical, first);
  if (weights.hidden === 0) return activateInPlace(weights, first.slice());
  const labels = weights.labels.length;
  const logits = Float32Array.from(weights.outputBias);
  for (let h = 0; h < weights.hidden; h++) {
    const a = first[h] as number;
    if (a <= 0) continue;
    for (let k = 0; k < labels; k++)
      logits[k] = (logits[k] as number) + a * (weights.output[h * labels + k] as number);
  }
  return activateInPlace(weights, logits);
}

/**
 * The loss of one example and, in `gradient`, its derivative by each logit: cross-entropy of the
 * label for a softmax head; for a sigmoid head, binary cross-entropy summed over the labels whose
 * target is known.
 */
function lossAndGradient(p: Float32Array, example: TrainingExample, gradient: Float32Array): number {
  const targets = example.targets;
  if (targets === undefined) {
    for (let k = 0; k < p.length; k++) gradient[k] = (p[k] as number) - (k === example.label ? 1 : 0);
    return -Math.log(Math.max(1e-12, p[example.label] as number));
  }
  let loss = 0;
  for (let k = 0; k < p.length; k++) {
    const y = targets[k] as number;
    if (Number.isNaN(y)) {
      gradient[k] = 0;
      continue;
    }
    const q = p[k] as number;
    gradient[k] = q - y;
    loss -= y * Math.log(Math.max(1e-12, q)) + (1 - y) * Math.log(Math.max(1e-12, 1 - q));
  }
  return loss;
}

/** Whether a prediction is right: the top label for a softmax head, every known target on the right side of 0.5 for a sigmoid one (counted per label). */
function hits(p: Float32Array, example: TrainingExample): { right: number; of: number } {
  const targets = example.targets;
  if (targets === undefined) {
    let best = 0;
    for (let k = 1; k < p.length; k++) if ((p[k] as number) > (p[best] as number)) best = k;
    return { right: best === example.label ? 1 : 0, of: 1 };
  }
  let right = 0;
  let of = 0;
  for (let k = 0; k < p.length; k++) {
    const y = targets[k] as number;
    if (Number.isNaN(y)) continue;
    of++;
    if ((p[k] as number) >= 0.5 === y >= 0.5) right++;
  }
  return { right, of };
}

class Adam {
  private readonly m: Float32Array;
  private readonly v: Float32Array;
  constructor(size: number) {
    this.m = new Float32Array(size);
    this.v = new Float32Array(size);
  }
  /**
   * Updates params[offset .. offset+length) with grad[gradOffset ..]; `decay` is the decoupled weight
   * decay; c1 and c2 are the bias corrections of this step.
   */
  step(
    params: Float32Array,
    grad: Float32Array,
    offset: number,
    gradOffset: number,
    length: number,
    lr: number,
    c1: number,
    c2: number,
    decay: number,
  ): void {
    for (let i = 0; i < length; i++) {
      const j = offset + i;
      const g = grad[gradOffset + i] as number;
      const m = BETA1 * (this.m[j] as number) + (1 - BETA1) * g;
      const v = BETA2 * (this.v[j] as number) + (1 - BETA2) * g * g;
      this.m[j] = m;
      this.v[j] = v;
      const p = params[j] as number;
      params[j] = p - lr * (m / c1 / (Math.sqrt(v / c2) + EPSILON) + decay * p);
    }
  }
}

function evaluate(
  weights: HeadWeights,
  examples: readonly TrainingExample[],
  classWeights: number[],
): { loss: number; accuracy: number } {
  const first = new Float32Array(firstLayerWidth(weights));
  const gradient = new Float32Array(weights.labels.length);
  let loss = 0;
  let total = 0;
  let correct = 0;
  let counted = 0;
  for (const example of examples) {
    const p = forward(weights, example, first);
    const w = example.weight * (classWeights[example.label] as number);
    loss += w * lossAndGradient(p, example, gradient);
    total += w;
    const { right, of } = hits(p, example);
    correct += right;
    counted += of;
  }
  return {
    loss: total === 0 ? 0 : loss / total,
    accuracy: counted === 0 ? 0 : correct / counted,
  };
}

/**
 * Trains a head with Adam (lazy on the lexical table: only rows a batch touches are updated),
 * weighted cross-entropy and early stopping on `inner`. Deterministic for a given seed and input order.
 */
export function trainHead(
  shape: Pick<HeadWeights, 'labels' | 'dims' | 'buckets' | 'hidden' | 'activation'>,
  train: readonly TrainingExample[],
  inner: readonly TrainingExample[],
  options: TrainerOptions,
  onEpoch?: (progress: EpochProgress) => void,
): TrainedHead {
  if (train.length === 0) throw new Error('no training examples');
  const random = seededRandom(options.seed);
  const weights = createHeadWeights({ ...shape, hidden: options.hidden }, random);
  const labels = shape.labels.length;
  const width = firstLayerWidth(weights);
  const counts = new Array<number>(labels).fill(0);
  for (const example of train) counts[example.label] = (counts[example.label] as number) + 1;
  const classWeights = counts.map((count) =>
    count > 0 ? (train.length / (labels * count)) ** options.classWeightPower : 1,
  );

  const adamEmbedding = new Adam(weights.embedding.length);
  const adamLexical = new Adam(weights.lexical.length);
  const adamBias = new Adam(weights.bias.length);
  const adamOutput = new Adam(weights.output.length);
  const adamOutputBias = new Adam(weights.outputBias.length);
  const gradEmbedding = new Float32Array(weights.embedding.length);
  const gradBias = new Float32Array(width);
  const gradOutput = new Float32Array(weights.output.length);
  const gradOutputBias = new Float32Array(weights.outputBias.length);
  const first = new Float32Array(width);
  const dz = new Float32Array(width);
  const dLogits = new Float32Array(labels);
  const order = train.map((_, i) => i);
  // The lexical gradient of a batch: a dense buffer, with the rows it touched listed for the update.
  const gradLexical = new Float32Array(weights.lexical.length);
  const touched = new Uint8Array(shape.buckets);
  const touchedRows = new Int32Array(shape.buckets);
  let touchedCount = 0;

  let best = cloneWeights(weights);
  let bestLoss = Number.POSITIVE_INFINITY;
  let bestEpoch = 0;
  let step = 0;
  const epochs: EpochProgress[] = [];
  for (let epoch = 1; epoch <= options.maxEpochs; epoch++) {
    shuffleInPlace(order, random);
    let trainLoss = 0;
    let trainWeight = 0;
    for (let start = 0; start < order.length; start += options.batchSize) {
      const batch = order.slice(start, start + options.batchSize);
      gradEmbedding.fill(0);
      gradBias.fill(0);
      gradOutput.fill(0);
      gradOutputBias.fill(0);
      touchedCount = 0;
      for (const index of batch) {
        const example = train[index] as TrainingExample;
        const w = example.weight * (classWeights[example.label] as number);
        const p = forward(weights, example, first);
        trainLoss += w * lossAndGradient(p, example, dLogits);
        trainWeight += w;
        const scale = w / batch.length;
        if (weights.hidden === 0) {
          for (let k = 0; k < width; k++) dz[k] = (dLogits[k] as number) * scale;
        } else {
          dz.fill(0);
          for (let k = 0; k < labels; k++) {
            const d = (dLogits[k] as number) * scale;
            gradOutputBias[k] = (gradOutputBias[k] as number) + d;
            for (let h = 0; h < weights.hidden; h++) {
              const a = first[h] as number;
              if (a <= 0) continue;
              gradOutput[h * labels + k] = (gradOutput[h * labels + k] as number) + a * d;
              dz[h] = (dz[h] as number) + d * (weights.output[h * labels + k] as number);
            }
          }
        }
        for (let k = 0; k < width; k++) gradBias[k] = (gradBias[k] as number) + (dz[k] as number);
        for (let d = 0; d < weights.dims; d++) {
          const x = example.embedding[d] as number;
          if (x === 0) continue;
          for (let k = 0; k < width; k++)
            gradEmbedding[d * width + k] = (gradEmbedding[d * width + k] as number) + x * (dz[k] as number);
        }
        const { ids, values } = example.lexical;
        for (let f = 0; f < ids.length; f++) {
          const id = ids[f] as number;
          if (touched[id] === 0) {
            touched[id] = 1;
            touchedRows[touchedCount++] = id;
          }
          const x = values[f] as number;
          const row = id * width;
          for (let k = 0; k < width; k++)
            gradLexical[row + k] = (gradLexical[row + k] as number) + x * (dz[k] as number);
        }
      }
      step++;
      const lr = options.learningRate;
      const c1 = 1 - BETA1 ** step;
      const c2 = 1 - BETA2 ** step;
      const l2 = options.l2;
      adamEmbedding.step(weights.embedding, gradEmbedding, 0, 0, gradEmbedding.length, lr, c1, c2, l2);
      adamBias.step(weights.bias, gradBias, 0, 0, width, lr, c1, c2, 0);
      if (weights.hidden > 0) {
        adamOutput.step(weights.output, gradOutput, 0, 0, gradOutput.length, lr, c1, c2, l2);
        adamOutputBias.step(weights.outputBias, gradOutputBias, 0, 0, labels, lr, c1, c2, 0);
      }
      for (let t = 0; t < touchedCount; t++) {
        const row = (touchedRows[t] as number) * width;
        adamLexical.step(weights.lexical, gradLexical, row, row, width, lr, c1, c2, l2);
        gradLexical.fill(0, row, row + width);
        touched[touchedRows[t] as number] = 0;
      }
    }
    const innerResult =
      inner.length > 0
        ? evaluate(weights, inner, classWeights)
        : { loss: trainLoss / trainWeight, accuracy: Number.NaN };
    const improved = innerResult.loss < bestLoss - 1e-5;
    if (improved) {
      bestLoss = innerResult.loss;
      bestEpoch = epoch;
      best = cloneWeights(weights);
    }
    const progress: EpochProgress = {
      epoch,
      maxEpochs: options.maxEpochs,
      trainLoss: trainLoss / trainWeight,
      innerLoss: innerResult.loss,
      innerAccuracy: innerResult.accuracy,
      improved,
    };
    epochs.push(progress);
    onEpoch?.(progress);
    if (epoch - bestEpoch >= options.patience) break;
  }
  return { weights: best, bestEpoch, epochs, classWeights };
}
