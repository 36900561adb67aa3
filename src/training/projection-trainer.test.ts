import { describe, expect, it } from 'vitest';
import { seededRandom } from '../models/seeded-random.ts';
import { spearman } from './metrics.ts';
import { type ProjectionPair, trainProjection } from './projection-trainer.ts';

const D = 6;

function unit(values: number[]): Float32Array {
  const norm = Math.hypot(...values);
  return Float32Array.from(values, (value) => value / norm);
}

/** Pairs whose similarity is judged on the first two dimensions only: the others are noise. */
function pairs(count: number, seed: number): ProjectionPair[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const a = unit(Array.from({ length: D }, () => random() * 2 - 1));
    const b = unit(Array.from({ length: D }, () => random() * 2 - 1));
    const [a0, a1, b0, b1] = [a[0], a[1], b[0], b[1]] as number[] as [number, number, number, number];
    const cosine = (a0 * b0 + a1 * b1) / (Math.hypot(a0, a1) * Math.hypot(b0, b1));
    return { a, b, target: (cosine + 1) / 2 };
  });
}

describe('trainProjection', () => {
  const train = pairs(400, 1);
  const held = pairs(100, 2);
  const options = { learningRate: 0.01, l2: 0, maxEpochs: 150, patience: 30 };
  const result = trainProjection(D, train, held, options);

  it('learns to weight the dimensions that carry the similarity', () => {
    expect(result.heldOutSpearman.before).toBeLessThan(0.6);
    expect(result.heldOutSpearman.after).toBeGreaterThan(result.heldOutSpearman.before + 0.2);
    const fresh = pairs(100, 3);
    const project = (x: Float32Array) =>
      Array.from({ length: D }, (_, i) =>
        x.reduce((sum, v, j) => sum + (result.weights[i * D + j] as number) * v, 0),
      );
    const cosines = fresh.map(({ a, b }) => {
      const [u, w] = [project(a), project(b)];
      return u.reduce((sum, v, i) => sum + v * (w[i] as number), 0) / (Math.hypot(...u) * Math.hypot(...w));
    });
    expect(
      spearman(
        cosines,
        fresh.map((pair) => pair.target),
      ),
    ).toBeGreaterThan(0.8);
  });

  it('keeps the weights of its best held-out epoch, and stops when they stop improving', () => {
    const best = result.epochs.find((epoch) => epoch.epoch === result.bestEpoch);
    expect(best?.heldOutSpearman).toBe(result.heldOutSpearman.after);
    expect(Math.max(...result.epochs.map((epoch) => epoch.heldOutSpearman))).toBe(
      result.heldOutSpearman.after,
    );
  });

  it('is deterministic', () => {
    expect(trainProjection(D, train, held, options).weights).toEqual(result.weights);
  });

  it('starts from the identity and stays there without a reason to move', () => {
    const same = pairs(50, 4).map(({ a }) => ({ a, b: a, target: 1 }));
    const { weights } = trainProjection(D, same, same, { ...options, maxEpochs: 5, l2: 0.1 });
    for (let i = 0; i < D; i++) expect(weights[i * D + i]).toBeCloseTo(1, 1);
  });
});
