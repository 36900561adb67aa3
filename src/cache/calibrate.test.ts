import { describe, expect, it } from 'vitest';
import type { Embedder } from '../models/embedder.ts';
import { calibrate, readCalibrationPairs } from './calibrate.ts';
import { DEFAULT_VERIFIER } from './verifier.ts';

/** Vectors from word counts over a fixed vocabulary: enough to order pairs by overlap. */
const wordCounts: Embedder = {
  id: 'word-counts@test',
  dimensions: 64,
  async embed(texts) {
    return texts.map((text) => {
      const v = new Float32Array(64);
      for (const word of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
        let h = 0;
        for (const c of word) h = (h * 31 + c.charCodeAt(0)) % 64;
        v[h] = (v[h] as number) + 1;
      }
      const norm = Math.hypot(...v) || 1;
      return v.map((x) => x / norm);
    });
  },
};

describe('cache calibration', () => {
  it('reads labelled pairs and names the bad line', () => {
    expect(readCalibrationPairs('{"a":"x","b":"y","same":true,"category":"code"}\n\n')).toEqual([
      { a: 'x', b: 'y', same: true, category: 'code' },
    ]);
    expect(() => readCalibrationPairs('{"a":"x","b":"y","same":true}\n{"a":"x"}')).toThrow(/line 2/);
  });

  it('finds per category the lowest threshold reaching the precision, the verifier refusing what it should', async () => {
    const pairs = [
      {
        a: 'How do I sort a list in Python?',
        b: 'how do I sort a list in python',
        same: true,
        category: 'code',
      },
      {
        a: 'How do I sort a list in Python?',
        b: 'How do I sort a Python list?',
        same: true,
        category: 'code',
      },
      { a: 'How do I enable 2FA?', b: 'How do I disable 2FA?', same: false, category: 'code' },
      {
        a: 'What is the capital of France?',
        b: 'What is the capital of Spain?',
        same: false,
        category: 'chat',
      },
      {
        a: 'What is the capital of France?',
        b: 'what is the capital of france',
        same: true,
        category: 'chat',
      },
      { a: 'Is Python faster than Rust?', b: 'Is Rust faster than Python?', same: false, category: 'chat' },
    ];
    const results = await calibrate(pairs, wordCounts, DEFAULT_VERIFIER, 0.97);
    const code = results.find((r) => r.category === 'code');
    expect(code).toMatchObject({ pairs: 3, same: 2, precision: 1, recall: 1 });
    expect(code?.threshold).toBeGreaterThan(0);
    expect(results.find((r) => r.category === 'chat')).toMatchObject({ threshold: 1, recall: 1 });
    expect(results.find((r) => r.category === 'all')).toMatchObject({ precision: 1, recall: 1 });
    // Without the verifier the swapped question has the same words: only exact repeats are precise enough.
    const unverified = await calibrate(pairs, wordCounts, undefined, 0.97);
    expect(unverified.find((r) => r.category === 'all')).toMatchObject({ threshold: 1, hits: 2 });
    expect(unverified.find((r) => r.category === 'all')?.recall).toBeLessThan(1);
  });
});
