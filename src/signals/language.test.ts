import { describe, expect, it } from 'vitest';
import { testSignalContext } from '../../test/support/fake-models.ts';
import { routerRequest } from '../../test/support/requests.ts';
import { languageSignal } from './language.ts';

function parse(params: Record<string, unknown>) {
  return languageSignal.params.parse(params) as Record<string, unknown>;
}

function language(params: Record<string, unknown>) {
  return languageSignal.create(parse(params), testSignalContext());
}

describe('language signal', () => {
  it.each([
    { prompt: 'How do I reverse a list in Python?', code: 'en' },
    { prompt: 'Wie ist das Wetter heute in Berlin?', code: 'de' },
    { prompt: 'Pourquoi le ciel est-il bleu ?', code: 'fr' },
    { prompt: '¿Cómo puedo invertir una lista en Python?', code: 'es' },
    { prompt: 'Объясни квантовые вычисления простыми словами', code: 'ru' },
    { prompt: '简单解释一下量子计算的原理', code: 'zh' },
    { prompt: 'この記事を要約してください', code: 'ja' },
  ])('detects $code', ({ prompt, code }) => {
    const result = language({ languages: [code], minChars: 5 }).evaluate(routerRequest(prompt));
    expect(result).toMatchObject({
      matched: true,
      evidence: [code, expect.stringMatching(/^score 0\.\d+$/)],
    });
  });

  it('does not match another language, and says which one it saw', () => {
    const result = language({ languages: ['de', 'fr'] }).evaluate(
      routerRequest('What is the capital of Peru?'),
    );
    expect(result).toMatchObject({ matched: false, confidence: 0, evidence: ['en', expect.any(String)] });
  });

  it.each([
    { name: 'an empty prompt', prompt: '' },
    { name: 'a short prompt', prompt: '  ok thanks  ' },
  ])('does not match $name: too short', ({ prompt }) => {
    expect(language({ languages: ['en'] }).evaluate(routerRequest(prompt))).toEqual({
      matched: false,
      confidence: 0,
      evidence: ['too short'],
    });
  });

  it('says undetermined when the text has no letters', () => {
    const result = language({ languages: ['en'], minChars: 0 }).evaluate(routerRequest('1234 5678 9 == 42;'));
    expect(result).toEqual({ matched: false, confidence: 0, evidence: ['undetermined'] });
  });

  it('applies minConfidence to the detected language', () => {
    const request = routerRequest('Please summarise this article for me');
    expect(language({ languages: ['en'], minConfidence: 0.3 }).evaluate(request)).toMatchObject({
      matched: true,
    });
    expect(language({ languages: ['en'], minConfidence: 1 }).evaluate(request)).toMatchObject({
      matched: false,
    });
  });

  it('reads the scope it is given', () => {
    const request = routerRequest([
      { role: 'user', content: 'Bonjour, pouvez-vous m’aider avec mon code ?' },
      { role: 'assistant', content: 'Sure, what do you need?' },
      { role: 'user', content: 'Explain recursion with a simple example please' },
    ]);
    expect(language({ languages: ['en'] }).evaluate(request)).toMatchObject({ matched: true });
    expect(language({ languages: ['fr'], scope: 'user' }).evaluate(request)).toMatchObject({ matched: true });
  });

  it('reads only the start of a long prompt', () => {
    const prompt = `${'Ceci est une phrase en français. '.repeat(20)}${'This is English. '.repeat(500)}`;
    expect(language({ languages: ['fr'] }).evaluate(routerRequest(prompt))).toMatchObject({ matched: true });
  });

  it('rejects language codes the detector does not know', () => {
    expect(languageSignal.validate?.(parse({ languages: ['en', 'xx'] }))).toEqual([
      expect.stringContaining('unsupported language code(s) xx'),
    ]);
    expect(languageSignal.params.safeParse({ languages: ['eng'] }).success).toBe(false);
  });

  it.each([
    { a: { languages: ['en'] }, b: { languages: ['fr'] }, relation: 'disjoint' },
    { a: { languages: ['en'] }, b: { languages: ['en', 'fr'] }, relation: 'implies' },
    { a: { languages: ['en', 'fr'] }, b: { languages: ['en'] }, relation: 'unknown' },
    { a: { languages: ['en'] }, b: { languages: ['fr'], scope: 'user' }, relation: 'unknown' },
    { a: { languages: ['en'], minChars: 5 }, b: { languages: ['en'], minChars: 20 }, relation: 'unknown' },
  ])('relates $a to $b: $relation', ({ a, b, relation }) => {
    expect(languageSignal.relate?.(parse(a), parse(b))).toBe(relation);
  });
});
