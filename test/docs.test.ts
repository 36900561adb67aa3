import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadPolicyFile, loadPolicyText } from '../src/policy/load.ts';
import { policyJsonSchema, renderPolicyReference } from '../src/policy/reference.ts';
import { builtinRegistry } from '../src/registry.ts';

describe('documentation', () => {
  it('the policy reference is generated from the current schema (run `npm run docs`)', () => {
    expect(readFileSync('docs/policy-reference.md', 'utf8')).toBe(renderPolicyReference(builtinRegistry));
  });

  it('the published JSON Schema is the current one (run `npm run docs`)', () => {
    expect(JSON.parse(readFileSync('docs/policy.schema.json', 'utf8'))).toEqual(
      policyJsonSchema(builtinRegistry),
    );
  });

  it.each(['policies/default.yaml'])('%s compiles without warnings', (file) => {
    expect(loadPolicyFile(file, builtinRegistry).warnings).toEqual([]);
  });

  it('every YAML example in the docs that is a full policy compiles', () => {
    const docs = ['README.md', 'docs/policy-reference.md']
      .map((file) => readFileSync(file, 'utf8'))
      .join('\n');
    const policies = [...docs.matchAll(/```yaml\n([\s\S]*?)```/g)]
      .map((m) => m[1] ?? '')
      .filter((text) => text.includes('kind: RoutingPolicy'));
    expect(policies.length).toBeGreaterThan(0);
    for (const text of policies)
      expect(loadPolicyText(text, builtinRegistry, 'docs').models.size).toBeGreaterThan(0);
  });
});
