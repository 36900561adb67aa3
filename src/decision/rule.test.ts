import { describe, expect, it } from 'vitest';
import { compileRule, evaluateRule, explainRule } from './rule.ts';
import type { Rule } from './rule-schema.ts';

const KEYS = ['k:a', 'k:b', 'k:c'];

function compile(rule: Rule) {
  return compileRule(
    rule,
    (key) => {
      const index = KEYS.indexOf(key);
      return index < 0 ? undefined : index;
    },
    () => {
      throw new Error('unknown');
    },
  );
}

describe('rules', () => {
  it.each([
    { name: 'a leaf', rule: 'k:a', matched: [true, false, false], holds: true, because: ['k:a'] },
    {
      name: 'all needs every branch',
      rule: { all: ['k:a', 'k:b'] },
      matched: [true, false, false],
      holds: false,
      because: [],
    },
    {
      name: 'any takes the first holding branch',
      rule: { any: ['k:a', 'k:b'] },
      matched: [false, true, true],
      holds: true,
      because: ['k:b'],
    },
    {
      name: 'not negates',
      rule: { not: 'k:c' },
      matched: [false, false, false],
      holds: true,
      because: ['!k:c'],
    },
    {
      name: 'not over any needs every branch false',
      rule: { all: ['k:a', { not: { any: ['k:b', 'k:c'] } }] },
      matched: [true, false, false],
      holds: true,
      because: ['k:a', '!k:b', '!k:c'],
    },
    {
      name: 'not over all needs one false branch',
      rule: { not: { all: ['k:a', 'k:b'] } },
      matched: [true, false, false],
      holds: true,
      because: ['!k:b'],
    },
  ] as { name: string; rule: Rule; matched: boolean[]; holds: boolean; because: string[] }[])(
    '$name',
    ({ rule, matched, holds, because }) => {
      const compiled = compile(rule);
      expect(evaluateRule(compiled, matched)).toBe(holds);
      if (holds) expect(explainRule(compiled, matched)).toEqual(because);
    },
  );

  it('reports unknown references with their path in the rule', () => {
    const unknown: unknown[] = [];
    compileRule(
      { any: ['k:a', { not: 'k:zz' }] },
      (key) => (key === 'k:a' ? 0 : undefined),
      (key, path) => unknown.push({ key, path }),
    );
    expect(unknown).toEqual([{ key: 'k:zz', path: ['any', 1, 'not'] }]);
  });
});
