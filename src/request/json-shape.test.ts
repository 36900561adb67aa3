import { describe, expect, it } from 'vitest';
import { jsonShapeProblem, parsedShapeProblem } from './json-shape.ts';

const LIMITS = { maxDepth: 4, maxValues: 10 };
const check = (text: string) => jsonShapeProblem(Buffer.from(text), LIMITS);

describe('jsonShapeProblem', () => {
  it.each([
    { name: 'a flat object', text: '{"a":1,"b":[1,2]}', problem: undefined },
    { name: 'brackets inside strings', text: '{"a":"[[[[[[{{{{,,,,,,,,,,,"}', problem: undefined },
    { name: 'escaped quotes inside strings', text: '{"a":"x\\"[[[[[[[\\\\","b":1}', problem: undefined },
    { name: 'nesting at the limit', text: '[[[[1]]]]', problem: undefined },
    { name: 'nesting past the limit', text: '[[[[[1]]]]]', problem: 'deeper than the limit of 4 levels' },
    {
      name: 'too many values',
      text: '[1,2,3,4,5,6,7,8,9,10,11]',
      problem: 'more than the limit of 10 JSON values',
    },
  ])('$name, on the bytes and on the parsed value alike', ({ text, problem }) => {
    for (const found of [check(text), parsedShapeProblem(JSON.parse(text), LIMITS)]) {
      if (problem === undefined) expect(found).toBeUndefined();
      else expect(found).toContain(problem);
    }
  });

  it('stops early on a hostile body, without reading it all', () => {
    const hostile = Buffer.from(`${'['.repeat(5_000_000)}${']'.repeat(5_000_000)}`);
    expect(jsonShapeProblem(hostile, { maxDepth: 64, maxValues: 100_000 })).toContain('deeper than');
  });
});
