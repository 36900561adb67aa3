import { describe, expect, it } from 'vitest';
import { testSignalContext } from '../../test/support/fake-models.ts';
import { routerRequest } from '../../test/support/requests.ts';
import { contextLengthSignal } from './context-length.ts';
import { headerSignal } from './header.ts';
import { requestedModelSignal } from './requested-model.ts';
import type { SignalDefinition } from './signal.ts';

function build(definition: SignalDefinition, params: Record<string, unknown>) {
  return definition.create(definition.params.parse(params) as Record<string, unknown>, testSignalContext());
}

describe('context-length signal', () => {
  it('counts real BPE tokens of the whole conversation, not characters', () => {
    const result = build(contextLengthSignal, { max: 1000 }).evaluate(
      routerRequest([
        { role: 'system', content: 'You are helpful.' },
        { role: 'user', content: 'internationalization '.repeat(100) },
      ]),
    );
    // "internationalization " is 21 characters but about 2 tokens; chars/4 would say ~525.
    expect((result as { value: number }).value).toBeGreaterThan(150);
    expect((result as { value: number }).value).toBeLessThan(300);
  });

  it('counts text that looks like a special token as plain text instead of failing', () => {
    const request = routerRequest(`please explain what <|endoftext|> means ${'and more '.repeat(40)}`);
    const result = build(contextLengthSignal, { max: 100 }).evaluate(request);
    expect(result).toMatchObject({ matched: true, value: expect.any(Number) });
    expect(request.tokens.total()).toBeGreaterThan(40);
  });

  it('does not tokenize when the byte length already decides', () => {
    const request = routerRequest('a short prompt');
    expect(build(contextLengthSignal, { min: 1000 }).evaluate(request)).toEqual({
      matched: false,
      confidence: 0,
      evidence: ['under 1000 tokens'],
    });
    expect(request.tokens.counted).toBe(6);
  });

  it('stops tokenizing a long prompt once it passes max', async () => {
    const request = routerRequest('word '.repeat(20_000));
    expect(await build(contextLengthSignal, { max: 50 }).evaluate(request)).toMatchObject({
      matched: false,
      evidence: ['over 50 tokens'],
    });
    expect(request.tokens.exact).toBeUndefined();
    expect(request.tokens.counted).toBeLessThan(2_000);
    expect(request.tokens.total()).toBeGreaterThan(20_000);
  });

  it('says how it matched without counting: at least min tokens, never "over Infinity"', async () => {
    const result = await build(contextLengthSignal, { min: 1000 }).evaluate(
      routerRequest('word '.repeat(20_000)),
    );
    expect(result).toMatchObject({ matched: true, evidence: ['at least 1000 tokens'] });
  });

  it.each([
    { params: { min: 10 }, prompt: 'short', matched: false },
    { params: { min: 10 }, prompt: 'word '.repeat(50), matched: true },
    { params: { min: 0, max: 20 }, prompt: 'word '.repeat(50), matched: false },
  ])('min $params.min max $params.max on $prompt.length chars: $matched', ({ params, prompt, matched }) => {
    expect(build(contextLengthSignal, params).evaluate(routerRequest(prompt))).toMatchObject({ matched });
  });

  it('knows which ranges exclude or contain each other', () => {
    const p = (min: number, max?: number) =>
      contextLengthSignal.params.parse({ min, max }) as Record<string, unknown>;
    expect(contextLengthSignal.relate?.(p(0, 100), p(101))).toBe('disjoint');
    expect(contextLengthSignal.relate?.(p(200, 300), p(100))).toBe('implies');
    expect(contextLengthSignal.relate?.(p(0, 300), p(100))).toBe('unknown');
  });
});

describe('header signal', () => {
  it.each([
    {
      name: 'equals, case-insensitive',
      params: { header: 'x-tier', equals: ['Premium'] },
      headers: { 'x-tier': 'premium' },
      matched: true,
    },
    {
      name: 'equals, absent header',
      params: { header: 'x-tier', equals: ['premium'] },
      headers: {},
      matched: false,
    },
    {
      name: 'regex',
      params: { header: 'x-role', matches: '^adm' },
      headers: { 'x-role': 'admin' },
      matched: true,
    },
    {
      name: 'present',
      params: { header: 'x-role', present: true },
      headers: { 'x-role': '' },
      matched: true,
    },
    { name: 'absent', params: { header: 'x-role', present: false }, headers: {}, matched: true },
  ])('$name', ({ params, headers, matched }) => {
    expect(build(headerSignal, params).evaluate(routerRequest('x', { headers }))).toMatchObject({ matched });
  });

  it('needs exactly one condition', () => {
    const params = headerSignal.params.parse({ header: 'x-a', equals: ['1'], present: true }) as Record<
      string,
      unknown
    >;
    expect(headerSignal.validate?.(params)).toEqual(['set exactly one of equals, matches or present']);
  });
});

describe('model signal', () => {
  it('matches the requested model name, and nothing when the request names none', () => {
    const signal = build(requestedModelSignal, { models: ['auto'] });
    expect(signal.evaluate(routerRequest('x', { model: 'auto' }))).toMatchObject({ matched: true });
    expect(signal.evaluate(routerRequest('x', { model: 'gpt-4o' }))).toMatchObject({ matched: false });
  });
});
