import { describe, expect, it } from 'vitest';
import { createHeadWeights, type HeadWeights, headProbabilities } from '../models/heads/head-weights.ts';
import type { SparseFeatures } from '../models/heads/lexical-featurizer.ts';
import { seededRandom } from '../models/seeded-random.ts';
import { averageHeads } from './head-ensemble.ts';

const shape = { labels: ['a', 'b', 'c'], dims: 4, buckets: 8 };
const embedding = Float32Array.of(0.3, -0.2, 0.9, 0.1);
const lexical: SparseFeatures = { ids: Int32Array.of(1, 5), values: Float32Array.of(0.6, 0.8) };

function randomHead(hidden: number, seed: number): HeadWeights {
  const random = seededRandom(seed);
  const head = createHeadWeights({ ...shape, hidden }, random);
  for (const array of [head.embedding, head.lexical, head.bias, head.output, head.outputBias])
    for (let i = 0; i < array.length; i++) array[i] = random() * 2 - 1;
  return head;
}

/** The softmax of the mean of the heads' log-probabilities (= mean logits up to a constant). */
function logitMean(heads: HeadWeights[]): number[] {
  const logs = heads.map((h) => Array.from(headProbabilities(h, embedding, lexical), Math.log));
  const mean = shape.labels.map((_, k) => logs.reduce((sum, l) => sum + (l[k] as number), 0) / heads.length);
  const max = Math.max(...mean);
  const exp = mean.map((v) => Math.exp(v - max));
  const total = exp.reduce((a, b) => a + b, 0);
  return exp.map((v) => v / total);
}

describe('averageHeads', () => {
  it.each([0, 5])('gives the logit-averaged ensemble of three heads with %i hidden units', (hidden) => {
    const heads = [1, 2, 3].map((seed) => randomHead(hidden, seed));
    const combined = averageHeads(heads);
    expect(combined.hidden).toBe(hidden * 3);
    const probabilities = headProbabilities(combined, embedding, lexical);
    logitMean(heads).forEach((p, k) => {
      expect(probabilities[k]).toBeCloseTo(p, 5);
    });
  });

  it('refuses heads of different shapes', () => {
    expect(() => averageHeads([randomHead(2, 1), randomHead(3, 2)])).toThrow(/must share/);
    expect(() => averageHeads([])).toThrow(/no heads/);
  });
});
