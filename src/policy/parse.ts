import { isNode, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { PolicyError, type PolicyIssue } from './policy-error.ts';
import type { Registry } from './registry.ts';
import { createPolicySchema, type Policy } from './schema.ts';
import { knownKeysAt, suggestKey } from './schema-keys.ts';

/** Finds the line and column of a YAML path in the parsed file (the nearest existing ancestor). */
export type Locator = (path: readonly (string | number)[]) => { line: number; column: number } | undefined;

export interface ParsedPolicy {
  policy: Policy;
  locate: Locator;
}

type ZodIssue = z.core.$ZodIssue;

/**
 * Zod reports a failed union as one issue per branch. Keep the branch that got furthest into the
 * value (the one the author evidently meant), so that errors inside rules point at the bad leaf.
 */
function flattenIssue(issue: ZodIssue): ZodIssue[] {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return [issue];
  let best: ZodIssue[] | undefined;
  let bestDepth = 0;
  for (const branch of issue.errors) {
    const depth = Math.max(...branch.map((i) => i.path.length));
    if (depth > bestDepth) {
      best = branch;
      bestDepth = depth;
    }
  }
  if (!best) {
    return [
      {
        ...issue,
        message: "expected a signal reference 'type:name' or an object with one key: all, any or not",
      },
    ];
  }
  return best.flatMap((inner) =>
    flattenIssue({ ...inner, path: [...issue.path, ...inner.path] } as ZodIssue),
  );
}

/**
 * Parses and checks a policy file against the schema built from `registry`. Throws a PolicyError
 * listing every YAML and schema error with its path, line and column.
 */
export function parsePolicy(text: string, registry: Registry, source = 'policy'): ParsedPolicy {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const locate: Locator = (path) => {
    for (let depth = path.length; depth >= 0; depth--) {
      const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
      if (isNode(node) && node.range) {
        const pos = lineCounter.linePos(node.range[0]);
        return { line: pos.line, column: pos.col };
      }
    }
    return undefined;
  };
  if (doc.errors.length > 0) {
    throw new PolicyError(
      source,
      doc.errors.map((error) => {
        const pos = lineCounter.linePos(error.pos[0]);
        return {
          severity: 'error',
          path: [],
          message: error.message.split('\n')[0] ?? error.message,
          line: pos.line,
          column: pos.col,
        };
      }),
    );
  }
  const schema = createPolicySchema(registry);
  const data = doc.toJS();
  const result = schema.safeParse(data);
  if (!result.success) {
    const issues: PolicyIssue[] = result.error.issues.flatMap(flattenIssue).flatMap((issue) => {
      const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
      if (issue.code !== 'unrecognized_keys')
        return [{ severity: 'error', path, message: issue.message, ...locate(path) }];
      // One issue per unknown key, at the key itself, with the likely intended one.
      const known = knownKeysAt(schema, path, data);
      return issue.keys.map((key): PolicyIssue => {
        const keyPath = [...path, key];
        const suggestion = suggestKey(key, known);
        const hint = suggestion
          ? ` (did you mean '${suggestion}'?)`
          : known.length > 0
            ? ` (expected one of: ${known.join(', ')})`
            : '';
        return {
          severity: 'error',
          path: keyPath,
          message: `unknown field '${key}'${hint}`,
          ...locate(keyPath),
        };
      });
    });
    throw new PolicyError(source, issues);
  }
  return { policy: result.data as Policy, locate };
}
