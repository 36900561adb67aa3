import { describe, expect, it } from 'vitest';
import { testSignalContext } from '../../test/support/fake-models.ts';
import { routerRequest } from '../../test/support/requests.ts';
import { keywordSignal } from './keyword.ts';

function keyword(params: Record<string, unknown>) {
  return keywordSignal.create(
    keywordSignal.params.parse(params) as Record<string, unknown>,
    testSignalContext(),
  );
}

describe('keyword signal', () => {
  it.each([
    { name: 'a word on its own', params: { words: ['python'] }, prompt: 'I love Python.', matched: true },
    {
      name: 'not inside another word',
      params: { words: ['java'] },
      prompt: 'javascript is fun',
      matched: false,
    },
    {
      name: 'case sensitive when asked',
      params: { words: ['SQL'], caseSensitive: true },
      prompt: 'write sql',
      matched: false,
    },
    {
      name: 'phrases across any whitespace',
      params: { phrases: ['unit test'] },
      prompt: 'a unit\n  test please',
      matched: true,
    },
    {
      name: 'non-ASCII word boundaries',
      params: { words: ['café'] },
      prompt: 'un cafécrème',
      matched: false,
    },
    { name: 'non-ASCII words', params: { words: ['café'] }, prompt: 'un café noir', matched: true },
    {
      name: 'regex patterns',
      params: { patterns: ['\\bdef \\w+\\('] },
      prompt: 'def main():',
      matched: true,
    },
    {
      name: 'all terms required',
      params: { words: ['a1', 'b2'], match: 'all' },
      prompt: 'a1 only',
      matched: false,
    },
    {
      name: 'all terms present',
      params: { words: ['a1', 'b2'], match: 'all' },
      prompt: 'b2 and a1',
      matched: true,
    },
    {
      name: 'min matches counts distinct terms',
      params: { words: ['x1', 'y1'], minMatches: 2 },
      prompt: 'x1 x1 x1',
      matched: false,
    },
    {
      name: 'regex special characters are literal in words',
      params: { words: ['c++'] },
      prompt: 'I write c++ daily',
      matched: true,
    },
  ])('$name', ({ params, prompt, matched }) => {
    expect(keyword(params).evaluate(routerRequest(prompt))).toMatchObject({ matched });
  });

  it('reports the terms it found as evidence', () => {
    const result = keyword({ words: ['rust', 'go'], phrases: ['borrow checker'] }).evaluate(
      routerRequest('Rust and its borrow checker'),
    );
    expect(result).toMatchObject({ matched: true, confidence: 1, evidence: ['rust', 'borrow checker'] });
  });

  it('reads only the last user message by default, all user messages with scope user', () => {
    const messages = [
      { role: 'user', content: 'tell me about python' },
      { role: 'assistant', content: 'Python is a language' },
      { role: 'user', content: 'and the weather?' },
    ];
    expect(keyword({ words: ['python'] }).evaluate(routerRequest(messages))).toMatchObject({
      matched: false,
    });
    expect(keyword({ words: ['python'], scope: 'user' }).evaluate(routerRequest(messages))).toMatchObject({
      matched: true,
    });
  });

  it('rejects a signal with nothing to match and an invalid pattern', () => {
    const params = keywordSignal.params.parse({ patterns: ['(unclosed'] }) as Record<string, unknown>;
    expect(keywordSignal.validate?.(params)).toEqual([
      expect.stringContaining('not a valid regular expression'),
    ]);
    expect(keywordSignal.validate?.(keywordSignal.params.parse({}) as Record<string, unknown>)).toEqual([
      expect.stringContaining('at least one of words'),
    ]);
  });
});
