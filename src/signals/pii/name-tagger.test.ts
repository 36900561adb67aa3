import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { routerRequest } from '../../../test/support/requests.ts';
import { ModelLoadError } from '../../models/model-files.ts';
import {
  decodeSpans,
  NAME_TAGGER_DIR,
  NAME_TAGGER_MAX_CHARS,
  NameTagger,
  shippedNameTagger,
} from './name-tagger.ts';
import { nameTokens, tokenShape } from './name-tokens.ts';
import { messageNames } from './request-pii.ts';

describe('nameTokens', () => {
  it('splits words and single punctuation marks, with offsets and line starts', () => {
    const text = 'Dr. Ann Lee\n42 Elm St.';
    const tokens = nameTokens(text);
    expect(tokens.map((t) => t.text)).toEqual(['Dr', '.', 'Ann', 'Lee', '42', 'Elm', 'St', '.']);
    for (const t of tokens) expect(text.slice(t.start, t.end)).toBe(t.text);
    expect(tokens.filter((t) => t.lineStart).map((t) => t.text)).toEqual(['Dr', '42']);
  });

  it('stops at the limit', () => {
    expect(nameTokens('one two three four', 2)).toHaveLength(2);
  });
});

describe('tokenShape', () => {
  it.each([
    { token: 'Gonzalez', shape: 'Xxx' },
    { token: 'IBM', shape: 'XX' },
    { token: 'A4', shape: 'Xd' },
    { token: '2024', shape: 'dd' },
  ])('writes $token as $shape', ({ token, shape }) => {
    expect(tokenShape(token)).toBe(shape);
  });
});

describe('decodeSpans', () => {
  const labels = ['O', 'B-PERSON', 'I-PERSON', 'B-LOCATION', 'I-LOCATION'];
  const p = (...values: number[]) => Float32Array.from(values);

  it('makes one span of each run of tokens of one type, B or I alike, scored by their mean', () => {
    const tokens = nameTokens('met Ann Lee in Oslo');
    const spans = decodeSpans(
      tokens,
      [
        p(0.9, 0.05, 0.05, 0, 0),
        p(0.1, 0.8, 0.1, 0, 0),
        p(0.1, 0.5, 0.4, 0, 0),
        p(1, 0, 0, 0, 0),
        p(0.2, 0, 0, 0.4, 0.4),
      ],
      labels,
    );
    expect(spans.map((s) => ({ type: s.type, start: s.start, end: s.end }))).toEqual([
      { type: 'PERSON', start: 4, end: 11 },
      { type: 'LOCATION', start: 15, end: 19 },
    ]);
    expect(spans[0]?.score).toBeCloseTo(0.9, 5);
  });
});

describe('the shipped tagger', () => {
  it('finds a person and a street address, and nothing in a sentence without either', () => {
    const tagger = shippedNameTagger();
    const text = 'Please send the parcel to Maria Gonzalez at 221 Baker Street.';
    const found = tagger.tag(text).map((s) => [s.type, text.slice(s.start, s.end)]);
    expect(found).toContainEqual(['PERSON', 'Maria Gonzalez']);
    expect(found.some(([type, value]) => type === 'STREET_ADDRESS' && value?.includes('221 Baker'))).toBe(
      true,
    );
    expect(tagger.tag('What is a good recipe for pancakes?')).toEqual([]);
  });

  it('reads a bounded part of a request: its messages from the last one back, up to the limit', () => {
    const tagger = shippedNameTagger();
    const filler = 'The weather was mild and the meeting went on as planned. '.repeat(100);
    const messages = [
      { role: 'user', content: 'My colleague Maria Gonzalez sends her regards.' },
      ...Array.from({ length: 3 }, () => ({ role: 'user', content: filler })),
      { role: 'user', content: 'Please forward this to Sven Hedlund.' },
    ];
    const request = routerRequest(messages);
    expect(messageNames(request, 4, tagger).map((s) => s.type)).toEqual(['PERSON']);
    expect(messageNames(request, 0, tagger)).toEqual([]);
    expect(filler.length * 3).toBeGreaterThan(NAME_TAGGER_MAX_CHARS);
  });

  it('refuses a model file that does not match its card', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pii-names-'));
    cpSync(NAME_TAGGER_DIR, dir, { recursive: true });
    const words = join(dir, 'words.txt');
    writeFileSync(words, `${readFileSync(words, 'utf8')}extra\n`);
    expect(() => NameTagger.load(dir)).toThrow(ModelLoadError);
  });
});
