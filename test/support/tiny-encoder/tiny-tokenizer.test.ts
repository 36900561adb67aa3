import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { afterAll, describe, expect, it } from 'vitest';
import { fileSha256 } from '../../../src/models/model-files.ts';
import { writeTinyEncoder } from './tiny-encoder.ts';
import { tinyTokenizerJson } from './tiny-tokenizer.ts';
import { buildTinyVocabulary, TINY_SPECIAL_TOKENS } from './tiny-vocabulary.ts';

const vocabulary = buildTinyVocabulary();
const tokenizer = new Tokenizer(tinyTokenizerJson(vocabulary), {});

describe('tiny WordPiece vocabulary', () => {
  it('starts with the special tokens and has about 2,000 distinct tokens', () => {
    expect(vocabulary.slice(0, 5)).toEqual([...TINY_SPECIAL_TOKENS]);
    expect(new Set(vocabulary).size).toBe(vocabulary.length);
    expect(vocabulary.length).toBeGreaterThan(1900);
  });
});

describe('tiny tokenizer.json', () => {
  // Expected pieces follow BERT's rules by hand: lower-case and strip accents, split on whitespace
  // and punctuation, then greedy longest-match WordPiece; a word with an unknown character is [UNK].
  it.each([
    { name: 'whole words and punctuation', text: 'Hello, world!', tokens: ['hello', ',', 'world', '!'] },
    { name: 'a ## suffix after a known word', text: 'debugging', tokens: ['debug', '##gi', '##ng'] },
    { name: 'letter pairs and a suffix', text: 'coding', tokens: ['co', '##di', '##ng'] },
    { name: 'digits glued to a word', text: 'Python3', tokens: ['python', '##3'] },
    { name: 'an apostrophe', text: "don't", tokens: ['do', '##n', "'", 't'] },
    { name: 'accents stripped', text: 'Café', tokens: ['ca', '##fe'] },
    { name: 'a single letter', text: 'x', tokens: ['x'] },
    { name: 'unknown script', text: 'привет мир', tokens: ['[UNK]', '[UNK]'] },
    { name: 'CJK characters split one by one', text: '日本', tokens: ['[UNK]', '[UNK]'] },
    { name: 'a special token in the text', text: 'the [MASK] is', tokens: ['the', '[MASK]', 'is'] },
  ])('tokenizes $name as Hugging Face WordPiece does', ({ text, tokens }) => {
    const encoding = tokenizer.encode(text);
    expect(encoding.tokens).toEqual(['[CLS]', ...tokens, '[SEP]']);
    expect(encoding.ids).toEqual(['[CLS]', ...tokens, '[SEP]'].map((token) => vocabulary.indexOf(token)));
  });

  it('keeps its token ids from build to build', () => {
    expect(tokenizer.encode('Hello, world!').ids).toEqual([2, 1117, 16, 1026, 5, 3]);
    expect(tokenizer.encode('привет').ids).toEqual([2, 1, 3]);
    expect(tokenizer.encode('coding').ids).toEqual([2, 1388, 195, 453, 3]);
  });

  it('marks the second text of a pair with token type 1', () => {
    const encoding = tokenizer.encode('hello', { text_pair: 'world', return_token_type_ids: true });
    expect(encoding.tokens).toEqual(['[CLS]', 'hello', '[SEP]', 'world', '[SEP]']);
    expect(encoding.token_type_ids).toEqual([0, 0, 0, 1, 1]);
  });
});

describe('writeTinyEncoder', () => {
  const directory = mkdtempSync(join(tmpdir(), 'tiny-encoder-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('writes the same bytes every time, and other weights for another seed', () => {
    const first = writeTinyEncoder(join(directory, 'a'));
    const second = writeTinyEncoder(join(directory, 'b'));
    const reseeded = writeTinyEncoder(join(directory, 'c'), { seed: 7 });
    expect(fileSha256(second.model)).toBe(fileSha256(first.model));
    expect(readFileSync(second.tokenizer, 'utf8')).toBe(readFileSync(first.tokenizer, 'utf8'));
    expect(fileSha256(reseeded.model)).not.toBe(fileSha256(first.model));
  });

  it('takes well under a second', () => {
    const started = performance.now();
    writeTinyEncoder(join(directory, 'timed'), { variant: 'sentence-embedding' });
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
