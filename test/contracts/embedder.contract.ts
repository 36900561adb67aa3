import { beforeAll, describe, expect, it } from 'vitest';
import type { Embedder } from '../../src/models/embedder.ts';

const TEXTS = [
  'Write a python function that reverses a string',
  'What is the integral of x squared?',
  'Émoji 🚀, ünïcödé and 中文 in one line',
  'short',
  'a much longer text '.repeat(100),
];

function norm(vector: Float32Array): number {
  return Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
}

function maxDifference(a: Float32Array, b: Float32Array): number {
  return a.reduce((max, value, i) => Math.max(max, Math.abs(value - (b[i] as number))), 0);
}

/**
 * The expectations every Embedder meets: one finite unit vector of `dimensions` per non-empty
 * text, in input order, the same on every call; `[]` for no texts; an empty text does not throw.
 * Call it inside a test file: `embedderContract('static encoder', () => StaticEncoder.load(dir))`.
 */
export function embedderContract(name: string, makeEmbedder: () => Embedder | Promise<Embedder>): void {
  describe(`embedder contract: ${name}`, () => {
    let embedder: Embedder;
    beforeAll(async () => {
      embedder = await makeEmbedder();
    });

    it('names its model and weights and has a positive dimension', () => {
      expect(embedder.id).toMatch(/\S@\S/);
      expect(Number.isInteger(embedder.dimensions)).toBe(true);
      expect(embedder.dimensions).toBeGreaterThan(0);
    });

    it('returns one finite unit-length vector of its dimension per text', async () => {
      const vectors = await embedder.embed(TEXTS);
      expect(vectors).toHaveLength(TEXTS.length);
      for (const vector of vectors) {
        expect(vector).toBeInstanceOf(Float32Array);
        expect(vector).toHaveLength(embedder.dimensions);
        expect(vector.every(Number.isFinite)).toBe(true);
        expect(norm(vector)).toBeCloseTo(1, 4);
      }
    });

    it('is deterministic', async () => {
      expect(await embedder.embed(TEXTS)).toEqual(await embedder.embed(TEXTS));
    });

    it('keeps the input order', async () => {
      const forward = await embedder.embed(TEXTS);
      const backward = await embedder.embed([...TEXTS].reverse());
      backward.reverse().forEach((vector, i) => {
        expect(maxDifference(vector, forward[i] as Float32Array)).toBeLessThan(1e-5);
      });
    });

    it('returns no vectors for no texts', async () => {
      expect(await embedder.embed([])).toEqual([]);
    });

    it('embeds an empty text without throwing', async () => {
      const [vector] = await embedder.embed(['']);
      expect(vector).toHaveLength(embedder.dimensions);
      expect(vector?.every(Number.isFinite)).toBe(true);
    });

    it('can be called concurrently', async () => {
      const alone = await Promise.all(TEXTS.map((text) => embedder.embed([text])));
      const together = await Promise.all(TEXTS.map((text) => embedder.embed([text])));
      expect(together).toEqual(alone);
    });

    it('encodes (when it can) to the same sentence vectors, with bounded token pooling', async (context) => {
      if (embedder.encode === undefined) return context.skip();
      const vectors = await embedder.embed(TEXTS);
      const encodings = await embedder.encode(TEXTS);
      expect(encodings).toHaveLength(TEXTS.length);
      encodings.forEach((encoding, i) => {
        expect(maxDifference(encoding.embedding, vectors[i] as Float32Array)).toBeLessThan(1e-6);
        for (const pooled of [encoding.tokenMax, encoding.tokenMin]) {
          expect(pooled).toHaveLength(embedder.dimensions);
          expect(pooled?.every((v) => v >= -1 - 1e-6 && v <= 1 + 1e-6)).toBe(true);
        }
        const { tokenMax, tokenMin } = encoding as Required<typeof encoding>;
        expect(tokenMax.every((v, d) => v >= (tokenMin[d] as number))).toBe(true);
      });
      expect(await embedder.encode([])).toEqual([]);
    });
  });
}
