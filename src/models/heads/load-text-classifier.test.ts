import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelLoadError, sha256 } from '../model-files.ts';
import { loadOnnxSession } from '../onnx/onnx-session.ts';
import { seededRandom } from '../seeded-random.ts';
import { HEAD_FILES, type HeadCard } from './head-card.ts';
import { encodeHeadModel, HEAD_IO } from './head-graph.ts';
import { createHeadWeights } from './head-weights.ts';
import { DEFAULT_LEXICAL_CONFIG, lexicalFeatures } from './lexical-featurizer.ts';
import { isFlagged, loadTextClassifier } from './load-text-classifier.ts';

const lexical = { ...DEFAULT_LEXICAL_CONFIG, buckets: 1 << 8 };

/** A tiny head in a fresh folder whose "bad" label wins for any text containing "evil". */
function writeTinyHead(change: (card: HeadCard) => void = () => {}): string {
  const directory = mkdtempSync(join(tmpdir(), 'head-'));
  const weights = createHeadWeights(
    { labels: ['good', 'bad'], dims: 3, buckets: lexical.buckets, hidden: 0 },
    seededRandom(1),
  );
  weights.bias.set([2, 0]);
  weights.lexical.fill(0);
  for (let b = 0; b < lexical.buckets; b++) weights.lexical[b * 2 + 1] = 1;
  const model = encodeHeadModel(weights);
  writeFileSync(join(directory, HEAD_FILES.model), model);
  const card: HeadCard = {
    name: 'tiny',
    description: 'test head',
    labels: ['good', 'bad'],
    encoder: { name: 'fake', id: 'fake@0', dimensions: 3 },
    lexical,
    hidden: 0,
    decision: { negativeLabel: 'good', threshold: 0.5, rule: 'test' },
    files: { [HEAD_FILES.model]: sha256(model) },
    data: [],
    split: { rule: 'none', salt: '', validationPercent: 0, trainRows: 0, validationRows: 0 },
    training: {},
    metrics: {},
  };
  change(card);
  writeFileSync(join(directory, HEAD_FILES.card), JSON.stringify(card));
  return directory;
}

describe('loadTextClassifier', () => {
  it('loads a head and classifies texts in order, with probabilities over the card labels', async () => {
    const head = await loadTextClassifier(writeTinyHead());
    expect(head.id).toMatch(/^tiny@[0-9a-f]{12}$/);
    expect(head.encoderName).toBe('fake');
    const [empty, text] = await head.classify([
      { text: '', embedding: new Float32Array(3) },
      { text: 'some words here', embedding: new Float32Array(3) },
    ]);
    expect(empty?.label).toBe('good');
    expect((empty?.scores.good ?? 0) + (empty?.scores.bad ?? 0)).toBeCloseTo(1, 5);
    expect(text?.scores.bad).toBeGreaterThan(empty?.scores.bad ?? 1);
    expect(head.decision && empty && isFlagged(empty, head.decision)).toBe(false);
  });

  it('gives the probabilities onnxruntime computes from head.onnx', async () => {
    const directory = writeTinyHead();
    const head = await loadTextClassifier(directory);
    const session = await loadOnnxSession(join(directory, HEAD_FILES.model));
    const text = 'a few words to classify';
    const features = lexicalFeatures(text, lexical);
    const output = await session.run({
      [HEAD_IO.embedding]: { type: 'float32', data: Float32Array.of(0.5, -0.5, 0.1), dims: [1, 3] },
      [HEAD_IO.lexicalIds]: {
        type: 'int64',
        data: BigInt64Array.from(features.ids, BigInt),
        dims: [1, features.ids.length],
      },
      [HEAD_IO.lexicalValues]: { type: 'float32', data: features.values, dims: [1, features.ids.length] },
    });
    const [result] = await head.classify([{ text, embedding: Float32Array.of(0.5, -0.5, 0.1) }]);
    expect(result?.scores.good).toBeCloseTo(output[HEAD_IO.probabilities]?.[0] as number, 5);
    expect(result?.scores.bad).toBeCloseTo(output[HEAD_IO.probabilities]?.[1] as number, 5);
  });

  it('reads the token pooling after the sentence vector when its card says so', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'head-'));
    // dims 1 per part: the sentence, the token max, the token min; only the max moves "bad".
    const weights = createHeadWeights(
      { labels: ['good', 'bad'], dims: 3, buckets: lexical.buckets, hidden: 0 },
      seededRandom(1),
    );
    weights.embedding.set([0, 0, 0, 8, 0, 0]);
    weights.bias.set([2, 0]);
    const model = encodeHeadModel(weights);
    writeFileSync(join(directory, HEAD_FILES.model), model);
    const card = JSON.parse(readFileSync(join(writeTinyHead(), HEAD_FILES.card), 'utf8')) as HeadCard;
    card.encoder.dimensions = 1;
    card.inputs = 'sentence+token-max-min';
    card.files[HEAD_FILES.model] = sha256(model);
    writeFileSync(join(directory, HEAD_FILES.card), JSON.stringify(card));
    const head = await loadTextClassifier(directory);
    expect(head.readsTokenPooling).toBe(true);
    const one = Float32Array.of(1);
    const zero = Float32Array.of(0);
    const [quiet, loud] = await head.classify([
      { text: '', embedding: one, tokenMax: zero, tokenMin: one },
      { text: '', embedding: zero, tokenMax: one, tokenMin: zero },
    ]);
    expect(quiet?.label).toBe('good');
    expect(loud?.label).toBe('bad');
    await expect(head.classify([{ text: 'x', embedding: one }])).rejects.toThrow(/reads token pooling/);
  });

  it('answers an empty batch with nothing', async () => {
    const head = await loadTextClassifier(writeTinyHead());
    expect(await head.classify([])).toEqual([]);
  });

  it('rejects an embedding of the wrong size', async () => {
    const head = await loadTextClassifier(writeTinyHead());
    await expect(head.classify([{ text: 'x', embedding: new Float32Array(5) }])).rejects.toThrow(
      /5 dimensions, expected 3/,
    );
  });

  it.each([
    {
      name: 'a missing card',
      damage: (dir: string) => rmSync(join(dir, HEAD_FILES.card)),
      message: /card\.json: not found/,
    },
    {
      name: 'a missing model',
      damage: (dir: string) => rmSync(join(dir, HEAD_FILES.model)),
      message: /head\.onnx: not found/,
    },
    {
      name: 'a card that is not JSON',
      damage: (dir: string) => writeFileSync(join(dir, HEAD_FILES.card), '{ not json'),
      message: /card\.json: unusable card/,
    },
    {
      name: 'a corrupt model',
      damage: (dir: string) => writeFileSync(join(dir, HEAD_FILES.model), 'garbage'),
      message: /head\.onnx: SHA-256 .* differs from the card's/,
    },
  ])('throws a ModelLoadError for $name', async ({ damage, message }) => {
    const directory = writeTinyHead();
    damage(directory);
    const loading = loadTextClassifier(directory);
    await expect(loading).rejects.toBeInstanceOf(ModelLoadError);
    await expect(loading).rejects.toThrow(message);
  });

  it('throws a ModelLoadError when the card lists another SHA-256', async () => {
    const directory = writeTinyHead((card) => {
      card.files[HEAD_FILES.model] = '0'.repeat(64);
    });
    await expect(loadTextClassifier(directory)).rejects.toThrow(/differs from the card's 000000000000/);
  });

  it('throws a ModelLoadError when a model with a matching digest is not ONNX', async () => {
    const directory = writeTinyHead();
    writeFileSync(join(directory, HEAD_FILES.model), 'garbage');
    const card = JSON.parse(readFileSync(join(directory, HEAD_FILES.card), 'utf8')) as HeadCard;
    card.files[HEAD_FILES.model] = sha256('garbage');
    writeFileSync(join(directory, HEAD_FILES.card), JSON.stringify(card));
    await expect(loadTextClassifier(directory)).rejects.toThrow(/not a usable classifier head/);
  });

  it('throws a ModelLoadError when the card has more labels than the model outputs', async () => {
    const directory = writeTinyHead((card) => {
      card.labels = ['good', 'bad', 'ugly'];
    });
    await expect(loadTextClassifier(directory)).rejects.toThrow(/the card implies 3x3/);
  });

  it('throws a ModelLoadError when the decision names an unknown label', async () => {
    const directory = writeTinyHead((card) => {
      card.decision = { negativeLabel: 'benign', threshold: 0.5, rule: '' };
    });
    await expect(loadTextClassifier(directory)).rejects.toThrow(/negativeLabel/);
  });
});
