import { describe, expect, it } from 'vitest';
import { splitMmluPrompt, subjectMappingConflicts } from './mmlu-subjects.ts';
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

describe('subjectMappingConflicts', () => {
  it('accepts rows whose MMLU-Pro category matches the mapping and names each subject that does not', () => {
    const rows = [
      { source: 'ori_mmlu-college_mathematics', label: 'math' },
      { source: 'ori_mmlu-professional_accounting', label: 'other' },
      { source: 'ori_mmlu-anatomy', label: 'biology' },
      { source: 'stemez-Physics', label: 'physics' },
      { source: 'ori_mmlu-no_such_subject', label: 'law' },
    ];
    expect(subjectMappingConflicts(rows)).toEqual([
      'anatomy: MMLU-Pro says biology, the mapping says health',
      'no_such_subject: MMLU-Pro says law, the mapping says nothing',
    ]);
  });
});
