import type { SparseFeatures } from './lexical-featurizer.ts';

/**
 * The parameters of a classifier head over [sentence embedding ‖ sparse lexical features].
 * The first layer maps both inputs to `width` values (the labels' logits when `hidden` is 0,
 * otherwise a ReLU hidden layer followed by an output layer). Matrices are row-major.
 */
export interface HeadWeights {
  labels: readonly string[];
  /** Embedding dimensions. */
  dims: number;
  /** Lexical hash buckets. */
  buckets: number;
  /** Hidden units; 0 for a linear (softmax regression) head. */
  hidden: number;
  /**
   * `softmax` (absent): one label per text, probabilities sum to 1. `sigmoid`: each label is a
   * yes/no question of its own (e.g. whether each model answers the prompt well).
   */
  activation?: HeadActivation;
  /** [dims, width] */
  embedding: Float32Array;
  /** [buckets, width] */
  lexical: Float32Array;
  /** [width] */
  bias: Float32Array;
  /** [hidden, labels], present when hidden > 0. */
  output: Float32Array;
  /** [labels], present when hidden > 0. */
  outputBias: Float32Array;
}

/** How a head turns its logits into probabilities. */
export type HeadActivation = 'softmax' | 'sigmoid';

/** Turns logits into independent probabilities in place. */
export function sigmoidInPlace(values: Float32Array): Float32Array {
  for (let i = 0; i < values.length; i++) values[i] = 1 / (1 + Math.exp(-(values[i] as number)));
  return values;
}

/** Applies the head's activation to its logits in place. */
export function activateInPlace(
  weights: Pick<HeadWeights, 'activation'>,
  logits: Float32Array,
): Float32Array {
  return weights.activation === 'sigmoid' ? sigmoidInPlace(logits) : softmaxInPlace(logits);
}

/** Width of the first layer: the hidden units, or the labels for a linear head. */
export function firstLayerWidth(weights: Pick<HeadWeights, 'hidden' | 'labels'>): number {
  return weights.hidden > 0 ? weights.hidden : weights.labels.length;
}

/** Fresh weights: small seeded random values for layers feeding a ReLU, zeros otherwise. */
export function createHeadWeights(
  shape: Pick<HeadWeights, 'labels' | 'dims' | 'buckets' | 'hidden' | 'activation'>,
  random: () => number,
): HeadWeights {
  const width = firstLayerWidth(shape);
  const labels = shape.labels.length;
  const weights: HeadWeights = {
    ...shape,
    embedding: new Float32Array(shape.dims * width),
    lexical: new Float32Array(shape.buckets * width),
    bias: new Float32Array(width),
    output: new Float32Array(shape.hidden * labels),
    outputBias: new Float32Array(shape.hidden > 0 ? labels : 0),
  };
  if (shape.hidden > 0) {
    const fill = (array: Float32Array, scale: number) => {
      for (let i = 0; i < array.length; i++) array[i] = (random() * 2 - 1) * scale;
    };
    fill(weights.embedding, Math.sqrt(6 / (shape.dims + width)));
    fill(weights.lexical, 0.01);
    fill(weights.output, Math.sqrt(6 / (shape.hidden + labels)));
  }
  return weights;
}

/** First-layer pre-activations of one example, written into `out` (length = first layer width). */
export function firstLayer(
  weights: HeadWeights,
  embedding: Float32Array,
  lexical: SparseFeatures,
  out: Float32Array,
): void {
  const width = out.length;
  out.set(weights.bias);
  // Tables read into locals: the loops below are the hottest of a head's forward pass.
  const dense = weights.embedding;
  const table = weights.lexical;
  const dims = weights.dims;
  for (let d = 0; d < dims; d++) {
    const x = embedding[d] as number;
    if (x === 0) continue;
    const row = d * width;
    for (let k = 0; k < width; k++) out[k] = (out[k] as number) + x * (dense[row + k] as number);
  }
  const { ids, values } = lexical;
  for (let f = 0; f < ids.length; f++) {
    const x = values[f] as number;
    const row = (ids[f] as number) * width;
    for (let k = 0; k < width; k++) out[k] = (out[k] as number) + x * (table[row + k] as number);
  }
}

/** Turns logits into probabilities in place (numerically stable softmax). */
export function softmaxInPlace(values: Float32Array): Float32Array {
  let max = Number.NEGATIVE_INFINITY;
  for (const v of values) if (v > max) max = v;
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const e = Math.exp((values[i] as number) - max);
    values[i] = e;
    sum += e;
  }
  for (let i = 0; i < values.length; i++) values[i] = (values[i] as number) / sum;
  return values;
}

/** The head's forward pass in JavaScript: label probabilities of one example (the ONNX graph computes the same). */
export function headProbabilities(
  weights: HeadWeights,
  embedding: Float32Array,
  lexical: SparseFeatures,
): Float32Array {
  const first = new Float32Array(firstLayerWidth(weights));
  firstLayer(weights, embedding, lexical, first);
  if (weights.hidden === 0) return activateInPlace(weights, first);
  const labels = weights.labels.length;
  const logits = Float32Array.from(weights.outputBias);
  const output = weights.output;
  for (let h = 0; h < weights.hidden; h++) {
    const a = Math.max(0, first[h] as number);
    if (a === 0) continue;
    for (let k = 0; k < labels; k++)
      logits[k] = (logits[k] as number) + a * (output[h * labels + k] as number);
  }
  return activateInPlace(weights, logits);
}
