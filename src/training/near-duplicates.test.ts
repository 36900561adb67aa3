import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DOMAIN_DATA } from './dataset-readers.ts';
import { MMLU_SUBJECT_CATEGORY, splitMmluPrompt } from './mmlu-subjects.ts';
import { NearDuplicateIndex } from './near-duplicates.ts';

describe('NearDuplicateIndex', () => {
  const index = new NearDuplicateIndex([
    'Which organelle produces ATP in eukaryotic cells and how do mitochondria divide?',
    'The quick brown fox jumps over the lazy dog near the river bank today.',
  ]);
  it('catches equal text up to case and punctuation', () => {
    expect(
      index.has('which organelle produces ATP in eukaryotic cells, and how do mitochondria divide'),
    ).toBe(true);
  });
  it('catches the same stem with options attached', () => {
    expect(
      index.has(
        'Which organelle produces ATP in eukaryotic cells and how do mitochondria divide?\nA. nucleus\nB. ribosome',
      ),
    ).toBe(true);
  });
  it('keeps unrelated text', () => {
    expect(index.has('What is the derivative of x^3 with respect to x?')).toBe(false);
  });
});

describe('splitMmluPrompt', () => {
  it('strips the lettered options and the answer cue', () => {
    const { question, withOptions } = splitMmluPrompt('What is 2+2?\nA. 3\nB. 4\nC. 5\nD. 6\nAnswer:');
    expect(question).toBe('What is 2+2?');
    expect(withOptions).toBe('What is 2+2?\nA. 3\nB. 4\nC. 5\nD. 6');
  });
});

describe.skipIf(!existsSync(DEFAULT_DOMAIN_DATA))('MMLU_SUBJECT_CATEGORY', () => {
  it('agrees with the category MMLU-Pro gives each MMLU subject', () => {
    const lines = readFileSync(DEFAULT_DOMAIN_DATA, 'utf8').split('\n').filter(Boolean);
    for (const line of lines) {
      const row = JSON.parse(line) as { src: string; category: string };
      if (!row.src.startsWith('ori_mmlu-')) continue;
      expect([row.src, MMLU_SUBJECT_CATEGORY[row.src.slice('ori_mmlu-'.length)]]).toEqual([
        row.src,
        row.category,
      ]);
    }
  });
});
