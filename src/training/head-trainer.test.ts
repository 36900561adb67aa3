import { describe, expect, it } from 'vitest';
import { headProbabilities } from '../models/heads/head-weights.ts';
import { DEFAULT_LEXICAL_CONFIG, lexicalFeatures } from '../models/heads/lexical-featurizer.ts';
import { seededRandom } from '../models/seeded-random.ts';
import { DEFAULT_TRAINER_OPTIONS, type TrainingExample, trainHead } from './head-trainer.ts';

const config = { ...DEFAULT_LEXICAL_CONFIG, buckets: 1 << 10 };
const WORDS = {
  fruit: ['apple', 'banana', 'cherry', 'mango', 'pear'],
  tool: ['hammer', 'wrench', 'saw', 'drill', 'chisel'],
  color: ['red', 'green', 'blue', 'yellow', 'purple'],
};
const LABELS = Object.keys(WORDS) as (keyof typeof WORDS)[];

/** Texts made of words of one class; the 4-d "embedding" carries a weak hint of the class. */
function examples(count: number, seed: number): TrainingExample[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, i) => {
    const label = i % LABELS.length;
    const words = WORDS[LABELS[label] as keyof typeof WORDS];
    const text = Array.from({ length: 3 }, () => words[Math.floor(random() * words.length)]).join(' ');
    const embedding = Float32Array.from({ length: 4 }, (_, d) => (d === label ? 0.3 : 0) + random() * 0.1);
    return { embedding, lexical: lexicalFeatures(text, config), label, weight: 1 };
  });
}

describe('trainHead', () => {
  it.each([
    { name: 'a linear head', hidden: 0 },
    { name: 'an MLP head', hidden: 8 },
  ])('teaches $name a small synthetic problem', ({ hidden }) => {
    const shape = { labels: LABELS, dims: 4, buckets: config.buckets, hidden };
    const trained = trainHead(shape, examples(120, 1), examples(30, 2), {
      ...DEFAULT_TRAINER_OPTIONS,
      hidden,
      maxEpochs: 30,
      learningRate: 0.05,
      l2: 0,
    });
    const test = examples(30, 3);
    const correct = test.filter((e) => {
      const p = headProbabilities(trained.weights, e.embedding, e.lexical);
      return p.indexOf(Math.max(...p)) === e.label;
    }).length;
    expect(correct / test.length).toBeGreaterThan(0.95);
  });

  it('returns identical weights for the same seed and data', () => {
    const shape = { labels: LABELS, dims: 4, buckets: config.buckets, hidden: 0 };
    const options = { ...DEFAULT_TRAINER_OPTIONS, maxEpochs: 3 };
    const a = trainHead(shape, examples(60, 1), examples(15, 2), options);
    const b = trainHead(shape, examples(60, 1), examples(15, 2), options);
    expect(Array.from(a.weights.embedding)).toEqual(Array.from(b.weights.embedding));
    expect(Array.from(a.weights.lexical)).toEqual(Array.from(b.weights.lexical));
  });

  it('weighs a rare class up when class weights are on', () => {
    const data = examples(90, 1).filter((e, i) => e.label !== 2 || i < 12);
    const shape = { labels: LABELS, dims: 4, buckets: config.buckets, hidden: 0 };
    const { classWeights } = trainHead(shape, data, [], {
      ...DEFAULT_TRAINER_OPTIONS,
      maxEpochs: 1,
      classWeightPower: 1,
    });
    expect(classWeights[2]).toBeGreaterThan(classWeights[0] as number);
  });

  it('teaches a sigmoid head each label on its own, skipping unknown targets', () => {
    // Label k is "yes" when word class k appears; the third label is never known and stays untrained.
    const rows = (count: number, seed: number): TrainingExample[] =>
      examples(count, seed).map((example) => {
        const targets = Float32Array.from(LABELS, (_, k) =>
          k === 2 ? Number.NaN : k === example.label ? 1 : 0,
        );
        return { ...example, targets };
      });
    const shape = {
      labels: LABELS,
      dims: 4,
      buckets: config.buckets,
      hidden: 0,
      activation: 'sigmoid' as const,
    };
    const trained = trainHead(shape, rows(120, 1), rows(30, 2), {
      ...DEFAULT_TRAINER_OPTIONS,
      maxEpochs: 30,
      learningRate: 0.05,
      l2: 0,
    });
    const apple = headProbabilities(
      trained.weights,
      new Float32Array(4),
      lexicalFeatures('apple mango pear', config),
    );
    const saw = headProbabilities(
      trained.weights,
      new Float32Array(4),
      lexicalFeatures('saw drill hammer', config),
    );
    expect(apple[0]).toBeGreaterThan(0.8);
    expect(apple[1]).toBeLessThan(0.2);
    expect(saw[1]).toBeGreaterThan(0.8);
    expect(apple[2]).toBeCloseTo(0.5, 1);
  });
});
