import { describe, expect, it } from 'vitest';
import { DEFAULT_SMALL, testPolicy } from '../../test/support/policies.ts';
import { PolicyError, type PolicyIssue } from './policy-error.ts';

function errorsOf(body: string): PolicyIssue[] {
  try {
    testPolicy(body);
  } catch (error) {
    if (error instanceof PolicyError) return error.issues.filter((i) => i.severity === 'error');
    throw error;
  }
  throw new Error('expected the policy to be rejected');
}

const SIGNALS = `signals:
  - { type: keyword, name: code, words: [python] }
  - { type: keyword, name: math, words: [integral] }
  - { type: context-length, name: short, max: 100 }
  - { type: context-length, name: long, min: 1000 }
  - { type: context-length, name: huge, min: 5000 }
  - { type: header, name: admin, header: x-role, equals: [admin] }
  - { type: header, name: guest, header: x-role, equals: [guest] }
`;

function decisions(...items: string[]): string {
  return `${SIGNALS}decisions:\n${items.join('')}${DEFAULT_SMALL}`;
}

function decision(name: string, when: string, priority = 0): string {
  return `  - name: ${name}\n    priority: ${priority}\n    when: ${when}\n    models: [large]\n`;
}

describe('compilePolicy', () => {
  it('orders decisions by priority, then file order', () => {
    const policy = testPolicy(
      decisions(
        decision('a', 'keyword:code', 1),
        decision('b', 'keyword:math', 5),
        decision('c', 'header:admin', 1),
      ),
    );
    expect(policy.decisions.map((d) => d.name)).toEqual(['b', 'a', 'c']);
  });

  it.each([
    {
      name: 'an unknown signal reference',
      body: decisions(decision('a', 'keyword:nope')),
      message: 'unknown signal keyword:nope',
      path: ['decisions', 0, 'when'],
    },
    {
      name: 'an unknown model',
      body: `${SIGNALS}defaultDecision:\n  models: [medium]\n`,
      message: 'unknown model medium',
      path: ['defaultDecision', 'models', 0],
    },
    {
      name: 'a rule that contradicts itself',
      body: decisions(decision('a', '{ all: [keyword:code, { not: keyword:code }] }')),
      message: 'can never match',
      path: ['decisions', 0, 'when'],
    },
    {
      name: 'disjoint context-length ranges required together',
      body: decisions(decision('a', '{ all: [context-length:short, context-length:long] }')),
      message: 'can never match',
      path: ['decisions', 0, 'when'],
    },
    {
      name: 'one header with two exclusive values',
      body: decisions(decision('a', '{ all: [header:admin, header:guest] }')),
      message: 'can never match',
      path: ['decisions', 0, 'when'],
    },
    {
      name: 'a decision shadowed by a broader one',
      body: decisions(
        decision('broad', '{ any: [keyword:code, keyword:math] }', 10),
        decision('narrow', 'keyword:math'),
      ),
      message: 'decision narrow is unreachable: whenever it matches, broad matches first',
      path: ['decisions', 1, 'when'],
    },
    {
      name: 'a decision shadowed through a signal implication',
      body: decisions(decision('long', 'context-length:long', 10), decision('huge', 'context-length:huge')),
      message: 'decision huge is unreachable',
      path: ['decisions', 1, 'when'],
    },
    {
      name: 'two decisions with one name',
      body: decisions(decision('a', 'keyword:code'), decision('a', 'keyword:math')),
      message: 'decision a is defined twice',
      path: ['decisions', 1, 'name'],
    },
    {
      name: 'a plugin setting a header the router owns',
      body: `${SIGNALS}defaultDecision:\n  models: [small]\n  plugins:\n    - { type: headers, set: { x-selected-model: large } }\n`,
      message: 'cannot be set by a policy',
      path: ['defaultDecision', 'plugins', 0],
    },
    {
      name: 'a plugin setting the cluster Envoy routes to',
      body: `${SIGNALS}defaultDecision:\n  models: [small]\n  plugins:\n    - { type: headers, set: { x-router-cluster: large_cluster } }\n`,
      message: 'x-router-cluster is managed by the router',
      path: ['defaultDecision', 'plugins', 0],
    },
  ])('rejects $name', ({ body, message, path }) => {
    expect(errorsOf(body)).toContainEqual(
      expect.objectContaining({ path, message: expect.stringContaining(message) }),
    );
  });

  it('accepts a narrower decision placed before a broader one', () => {
    const policy = testPolicy(
      decisions(
        decision('narrow', 'keyword:math', 10),
        decision('broad', '{ any: [keyword:code, keyword:math] }'),
      ),
    );
    expect(policy.decisions.map((d) => d.name)).toEqual(['narrow', 'broad']);
  });

  it('locates compile errors on their line', () => {
    const [issue] = errorsOf(decisions(decision('a', 'keyword:nope')));
    // HEAD is 9 lines, SIGNALS 8, "decisions:" 1, then name/priority/when.
    expect(issue).toMatchObject({ line: 21 });
  });

  it('warns about unused signals and decisions that always match', () => {
    const policy = testPolicy(
      decisions(decision('always', '{ any: [keyword:code, { not: keyword:code }] }')),
    );
    const warnings = policy.warnings.filter((w) => w.severity === 'warning').map((w) => w.message);
    expect(warnings).toContainEqual(expect.stringContaining('signal keyword:math is not used'));
    expect(warnings).toContainEqual(expect.stringContaining('the default decision is never used'));
  });

  it('knows a context-length signal with min 0 and no max always matches, and what that shadows', () => {
    const body = `signals:
  - { type: context-length, name: any-size, min: 0 }
  - { type: keyword, name: code, words: [python] }
decisions:
  - { name: everything, priority: 10, when: context-length:any-size, models: [large] }
  - { name: code, when: keyword:code, models: [large] }
${DEFAULT_SMALL}`;
    expect(errorsOf(body)).toContainEqual(
      expect.objectContaining({
        path: ['decisions', 1, 'when'],
        message: expect.stringContaining(
          'decision code is unreachable: whenever it matches, everything matches first',
        ),
      }),
    );
    const alone = testPolicy(
      body.replace(/ {2}- \{ name: code,.*\n/, '').replace('words: [python] }', 'words: [python] }'),
    );
    const warnings = alone.warnings.map((w) => w.message);
    expect(warnings).toContainEqual(expect.stringContaining('signal context-length:any-size always matches'));
    expect(warnings).toContainEqual(expect.stringContaining('decision everything always matches'));
  });
});
