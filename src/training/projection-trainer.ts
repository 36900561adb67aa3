import { spearman } from './metrics.ts';

/** Two sentence vectors (unit length) and how similar people judged them, scaled to [0, 1]. */
export interface ProjectionPair {
  a: Float32Array;
  b: Float32Array;
  target: number;
}

export interface ProjectionTrainerOptions {
  learningRate: number;
  /** Pull of every weight towards the identity map (so rare directions are not bent freely). */
  l2: number;
  maxEpochs: number;
  /** Stop after this many epochs without a higher Spearman on the held-out pairs; the best weights are kept. */
  patience: number;
}

export const DEFAULT_PROJECTION_TRAINER: ProjectionTrainerOptions = {
  learningRate: 0.002,
  l2: 0.001,
  maxEpochs: 300,
  patience: 25,
};

export interface ProjectionEpoch {
  epoch: number;
  maxEpochs: number;
  loss: number;
  heldOutSpearman: number;
}

export interface ProjectionTraining {
  /** Row-major `dimensions × dimensions`: y_i = Σ_j W[i][j] x_j. */
  weights: Float32Array;
  bestEpoch: number;
  epochs: ProjectionEpoch[];
  /** Spearman of cosine against the targets on the held-out pairs, before (identity) and after. */
  heldOutSpearman: { before: number; after: number };
}

function apply(weights: Float64Array, d: number, x: Float32Array, out: Float64Array): void {
  for (let i = 0; i < d; i++) {
    let sum = 0;
    const row = i * d;
    for (let j = 0; j < d; j++) sum += (weights[row + j] as number) * (x[j] as number);
    out[i] = sum;
  }
}

/**
 * Projects both sides of a pair into `u` and `w` (reused buffers) and returns their dot product
 * and squared norms, from which the cosine and its gradient follow.
 */
function projectPair(
  weights: Float64Array,
  d: number,
  pair: ProjectionPair,
  u: Float64Array,
  w: Float64Array,
): { dot: number; nu: number; nw: number } {
  apply(weights, d, pair.a, u);
  apply(weights, d, pair.b, w);
  let dot = 0;
  let nu = 0;
  let nw = 0;
  for (let i = 0; i < d; i++) {
    dot += (u[i] as number) * (w[i] as number);
    nu += (u[i] as number) ** 2;
    nw += (w[i] as number) ** 2;
  }
  return { dot, nu, nw };
}

/** Spearman of cos(W a, W b) against the pairs' targets. */
function heldOutSpearman(weights: Float64Array, d: number, pairs: readonly ProjectionPair[]): number {
  const u = new Float64Array(d);
  const w = new Float64Array(d);
  const cosines = pairs.map((pair) => {
    const { dot, nu, nw } = projectPair(weights, d, pair, u, w);
    return nu === 0 || nw === 0 ? 0 : dot / Math.sqrt(nu * nw);
  });
  return spearman(
    cosines,
    pairs.map((pair) => pair.target),
  );
}

/**
 * Learns a linear map W of sentence vectors so that cos(W a, W b) approaches each pair's target
 * (squared error, full-batch Adam from the identity, L2 towards the identity), early-stopped on the
 * Spearman correlation of the held-out pairs. Deterministic: no sampling, a fixed pair order.
 */
export function trainProjection(
  dimensions: number,
  train: readonly ProjectionPair[],
  heldOut: readonly ProjectionPair[],
  options: ProjectionTrainerOptions = DEFAULT_PROJECTION_TRAINER,
  onEpoch?: (epoch: ProjectionEpoch) => void,
): ProjectionTraining {
  const d = dimensions;
  if (train.length === 0 || heldOut.length === 0)
    throw new Error('a projection needs training and held-out pairs');
  const identity = new Float64Array(d * d);
  for (let i = 0; i < d; i++) identity[i * d + i] = 1;
  const weights = Float64Array.from(identity);
  const m = new Float64Array(d * d);
  const v = new Float64Array(d * d);
  const gradient = new Float64Array(d * d);
  const u = new Float64Array(d);
  const w = new Float64Array(d);
  const before = heldOutSpearman(identity, d, heldOut);
  let best = { spearman: before, epoch: 0, weights: Float64Array.from(identity) };
  const epochs: ProjectionEpoch[] = [];
  for (let epoch = 1; epoch <= options.maxEpochs; epoch++) {
    gradient.fill(0);
    let loss = 0;
    for (const pair of train) {
      const { dot, nu, nw } = projectPair(weights, d, pair, u, w);
      if (nu === 0 || nw === 0) continue;
      const scale = Math.sqrt(nu * nw);
      const cos = dot / scale;
      const error = cos - pair.target;
      loss += error * error;
      // d cos / du = w / (|u||w|) - cos u / |u|²; d cos / dw likewise; d u / dW[i][j] = a_j.
      for (let i = 0; i < d; i++) {
        const gu = 2 * error * ((w[i] as number) / scale - (cos * (u[i] as number)) / nu);
        const gw = 2 * error * ((u[i] as number) / scale - (cos * (w[i] as number)) / nw);
        const row = i * d;
        for (let j = 0; j < d; j++)
          gradient[row + j] =
            (gradient[row + j] as number) + gu * (pair.a[j] as number) + gw * (pair.b[j] as number);
      }
    }
    for (let p = 0; p < d * d; p++) {
      const g =
        (gradient[p] as number) / train.length +
        options.l2 * ((weights[p] as number) - (identity[p] as number));
      m[p] = 0.9 * (m[p] as number) + 0.1 * g;
      v[p] = 0.999 * (v[p] as number) + 0.001 * g * g;
      const mHat = (m[p] as number) / (1 - 0.9 ** epoch);
      const vHat = (v[p] as number) / (1 - 0.999 ** epoch);
      weights[p] = (weights[p] as number) - (options.learningRate * mHat) / (Math.sqrt(vHat) + 1e-8);
    }
    const held = heldOutSpearman(weights, d, heldOut);
    const progress = {
      epoch,
      maxEpochs: options.maxEpochs,
      loss: loss / train.length,
      heldOutSpearman: held,
    };
    epochs.push(progress);
    onEpoch?.(progress);
    if (held > best.spearman) best = { spearman: held, epoch, weights: Float64Array.from(weights) };
    else if (epoch - best.epoch >= options.patience) break;
  }
  return {
    weights: Float32Array.from(best.weights),
    bestEpoch: best.epoch,
    epochs,
    heldOutSpearman: { before, after: best.spearman },
  };
}
