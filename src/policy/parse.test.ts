import { describe, expect, it } from 'vitest';
import { builtinRegistry } from '../registry.ts';
import { parsePolicy } from './parse.ts';
import { PolicyError, type PolicyIssue } from './policy-error.ts';

function issuesOf(text: string): PolicyIssue[] {
  try {
    parsePolicy(text, builtinRegistry, 'p.yaml');
  } catch (error) {
    if (error instanceof PolicyError) return [...error.issues];
    throw error;
  }
  throw new Error('expected the policy to be rejected');
}

const HEAD = `apiVersion: semantic-router.io/v1
kind: RoutingPolicy
models:
  - name: small
    endpoint: { cluster: c }
`;

describe('parsePolicy', () => {
  it('fills in defaults for a minimal policy', () => {
    const { policy } = parsePolicy(`${HEAD}defaultDecision:\n  models: [small]\n`, builtinRegistry);
    expect(policy.settings).toMatchObject({
      maxBodyBytes: 10 * 1024 * 1024,
      virtualModels: ['auto'],
      onError: 'default-route',
    });
    expect(policy.defaultDecision.name).toBe('default');
  });

  it.each([
    {
      name: 'an unknown field, with its line',
      body: `defaultDecision:\n  models: [small]\n  modles: [x]\n`,
      expected: {
        path: ['defaultDecision', 'modles'],
        line: 8,
        message: "unknown field 'modles' (did you mean 'models'?)",
      },
    },
    {
      name: 'an unknown field with nothing like it, listing the known ones',
      body: `settings: { tieout: 3 }
defaultDecision: { models: [small] }
`,
      expected: {
        path: ['settings', 'tieout'],
        message: expect.stringContaining("unknown field 'tieout' (expected one of: maxBodyBytes"),
      },
    },
    {
      name: 'an unknown signal type',
      body: `signals:\n  - type: sentiment\n    name: s\ndefaultDecision: { models: [small] }\n`,
      expected: { path: ['signals', 0, 'type'], line: 7 },
    },
    {
      name: 'a wrong parameter of a known signal type',
      body: `signals:\n  - type: context-length\n    name: s\n    min: -3\ndefaultDecision: { models: [small] }\n`,
      expected: { path: ['signals', 0, 'min'], line: 9 },
    },
    {
      name: 'a rule with two operators at the leaf that is wrong',
      body: `decisions:\n  - name: d\n    when: { any: [keyword:a, { nott: keyword:b }] }\n    models: [small]\ndefaultDecision: { models: [small] }\n`,
      expected: {
        path: ['decisions', 0, 'when', 'any', 1, 'nott'],
        line: 8,
        message: "unknown field 'nott' (did you mean 'not'?)",
      },
    },
    {
      name: 'a bad signal reference',
      body: `decisions:\n  - name: d\n    when: code\n    models: [small]\ndefaultDecision: { models: [small] }\n`,
      expected: { path: ['decisions', 0, 'when'], message: expect.stringContaining('type:name') },
    },
    {
      name: 'a missing default decision',
      body: '',
      expected: { path: ['defaultDecision'] },
    },
  ])('reports $name', ({ body, expected }) => {
    expect(issuesOf(HEAD + body)).toContainEqual(expect.objectContaining({ severity: 'error', ...expected }));
  });

  it('reports YAML syntax errors and duplicate keys with their line', () => {
    expect(issuesOf(`${HEAD}defaultDecision:\n  models: [small\n`)[0]).toMatchObject({
      line: expect.any(Number),
    });
    expect(
      issuesOf(`${HEAD}defaultDecision: { models: [small] }\ndefaultDecision: { models: [small] }\n`)[0],
    ).toMatchObject({
      line: 7,
      message: expect.stringContaining('unique'),
    });
  });

  it('rejects a wrong apiVersion', () => {
    const text = HEAD.replace('semantic-router.io/v1', 'v2');
    expect(issuesOf(`${text}defaultDecision: { models: [small] }\n`)).toContainEqual(
      expect.objectContaining({ path: ['apiVersion'], line: 1 }),
    );
  });
});
