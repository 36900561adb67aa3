import { describe, expect, it } from 'vitest';
import { builtinRegistry } from '../../src/registry.ts';
import { testSignalContext } from '../support/fake-models.ts';
import { routerRequest } from '../support/requests.ts';

/** Valid parameters for every shipped signal type; a new type without an example fails this suite. */
const EXAMPLES: Record<string, Record<string, unknown>[]> = {
  keyword: [{ words: ['python'] }, { phrases: ['unit test'], caseSensitive: true, scope: 'conversation' }],
  'context-length': [{ min: 10 }, { min: 0, max: 5 }],
  header: [
    { header: 'x-role', equals: ['admin'] },
    { header: 'x-role', present: false },
  ],
  model: [{ models: ['auto'] }, { models: ['gpt-4o', 'small'] }],
  pii: [{}, { entities: ['EMAIL_ADDRESS', 'US_SSN'], scope: 'conversation', minConfidence: 0.8 }],
  language: [
    { languages: ['en'] },
    { languages: ['fr', 'de'], scope: 'user', minConfidence: 0.5, minChars: 0 },
  ],
  embedding: [
    { exemplars: ['write python code', 'debug my program'] },
    { exemplars: ['hello', 'hi there', 'good morning'], threshold: 0.2, topK: 2, scope: 'conversation' },
  ],
  domain: [{ labels: ['math'] }, { labels: ['law', 'history'], minConfidence: 0.5, scope: 'user' }],
  jailbreak: [{}, { labels: ['injection'], threshold: 0.3, scope: 'conversation' }],
};

/** Types whose signals read models; everything else must answer synchronously. */
const MODEL_SIGNALS = new Set(['embedding', 'domain', 'jailbreak']);

const REQUESTS = [
  routerRequest(''),
  routerRequest('Write python code with a unit test'),
  routerRequest('emoji 🚀 ünïcödé 中文 '.repeat(200)),
  routerRequest([
    { role: 'system', content: 'be brief' },
    { role: 'assistant', content: 'hi' },
  ]),
  routerRequest('x', { model: 'gpt-4o', headers: { 'x-role': 'admin' } }),
  routerRequest('Écrivez à jane.doe@example.com ou appelez le +33 1 42 68 53 00, SSN 123-45-6788'),
];

describe.each(builtinRegistry.signals.map((definition) => ({ type: definition.type, definition })))(
  'signal contract: $type',
  ({ type, definition }) => {
    const examples = EXAMPLES[type] ?? [];

    it('has examples in this suite', () => {
      expect(examples.length).toBeGreaterThan(0);
    });

    it.each(examples)(
      'accepts example %#, evaluates every request to a well-formed, repeatable result',
      async (example) => {
        const params = definition.params.parse(example) as Record<string, unknown>;
        expect(definition.validate?.(params) ?? []).toEqual([]);
        const signal = definition.create(params, testSignalContext());
        for (const request of REQUESTS) {
          const before = JSON.stringify(request.chat);
          const pending = signal.evaluate(request);
          if (!MODEL_SIGNALS.has(type)) expect(pending).not.toBeInstanceOf(Promise);
          const first = await pending;
          expect(first).toMatchObject({ matched: expect.any(Boolean), confidence: expect.any(Number) });
          expect(first.error).toBeUndefined();
          expect(first.confidence).toBeGreaterThanOrEqual(0);
          expect(first.confidence).toBeLessThanOrEqual(1);
          expect(await signal.evaluate(request)).toEqual(first);
          expect(JSON.stringify(request.chat)).toBe(before);
        }
      },
    );

    it('rejects unknown parameters', () => {
      expect(definition.params.safeParse({ ...examples[0], surprise: 1 }).success).toBe(false);
    });

    it('relates signals consistently (never disjoint from itself; disjointness is symmetric)', () => {
      if (!definition.relate) return;
      const parsed = examples.map((e) => definition.params.parse(e) as Record<string, unknown>);
      for (const a of parsed) {
        expect(definition.relate(a, a)).not.toBe('disjoint');
        for (const b of parsed) {
          if (definition.relate(a, b) === 'disjoint') expect(definition.relate(b, a)).toBe('disjoint');
        }
      }
    });
  },
);

describe.each(builtinRegistry.plugins.map((definition) => ({ type: definition.type, definition })))(
  'plugin contract: $type',
  ({ definition }) => {
    it('rejects unknown parameters', () => {
      expect(definition.params.safeParse({ surprise: 1 }).success).toBe(false);
    });
  },
);
