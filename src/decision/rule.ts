import type { Rule } from './rule-schema.ts';

/**
 * A rule compiled against the policy's signal list: leaves hold the signal's index, so evaluation
 * reads a boolean array and allocates nothing.
 */
export type CompiledRule =
  | { op: 'signal'; index: number; key: string }
  | { op: 'all' | 'any'; rules: CompiledRule[] }
  | { op: 'not'; rule: CompiledRule };

/**
 * Compiles a rule; `indexOf` returns the index of a signal key or undefined, and unknown references
 * are reported through `onUnknown` with their path inside the rule.
 */
export function compileRule(
  rule: Rule,
  indexOf: (key: string) => number | undefined,
  onUnknown: (key: string, path: (string | number)[]) => void,
  path: (string | number)[] = [],
): CompiledRule {
  if (typeof rule === 'string') {
    const index = indexOf(rule);
    if (index === undefined) onUnknown(rule, path);
    return { op: 'signal', index: index ?? -1, key: rule };
  }
  if ('all' in rule) {
    return {
      op: 'all',
      rules: rule.all.map((r, i) => compileRule(r, indexOf, onUnknown, [...path, 'all', i])),
    };
  }
  if ('any' in rule) {
    return {
      op: 'any',
      rules: rule.any.map((r, i) => compileRule(r, indexOf, onUnknown, [...path, 'any', i])),
    };
  }
  return { op: 'not', rule: compileRule(rule.not, indexOf, onUnknown, [...path, 'not']) };
}

/** True when the rule holds for the given per-signal match flags. */
export function evaluateRule(rule: CompiledRule, matched: readonly boolean[]): boolean {
  switch (rule.op) {
    case 'signal':
      return matched[rule.index] === true;
    case 'all':
      for (const r of rule.rules) if (!evaluateRule(r, matched)) return false;
      return true;
    case 'any':
      for (const r of rule.rules) if (evaluateRule(r, matched)) return true;
      return false;
    case 'not':
      return !evaluateRule(rule.rule, matched);
  }
}

/**
 * A rule under three-valued logic: `undefined` when the answer depends on signals whose answers are
 * unknown (`unknown[i]`). `all` is false as soon as one part is false, `any` true as soon as one part
 * is true, whatever the unknowns.
 */
export function evaluateRule3(
  rule: CompiledRule,
  matched: readonly boolean[],
  unknown: readonly boolean[],
): boolean | undefined {
  switch (rule.op) {
    case 'signal':
      return unknown[rule.index] === true ? undefined : matched[rule.index] === true;
    case 'not': {
      const value = evaluateRule3(rule.rule, matched, unknown);
      return value === undefined ? undefined : !value;
    }
    case 'all':
    case 'any': {
      const decisive = rule.op === 'any';
      let undecided = false;
      for (const r of rule.rules) {
        const value = evaluateRule3(r, matched, unknown);
        if (value === decisive) return decisive;
        if (value === undefined) undecided = true;
      }
      return undecided ? undefined : !decisive;
    }
  }
}

/** The keys of the signals a rule reads whose answers are unknown. */
export function unknownSignals(
  rule: CompiledRule,
  unknown: readonly boolean[],
  into: string[] = [],
): string[] {
  if (rule.op === 'signal') {
    if (unknown[rule.index] === true && !into.includes(rule.key)) into.push(rule.key);
  } else if (rule.op === 'not') unknownSignals(rule.rule, unknown, into);
  else for (const r of rule.rules) unknownSignals(r, unknown, into);
  return into;
}

/**
 * The signal facts that made a (holding) rule true: every leaf of an `all`, the first holding
 * branch of an `any`, and `!key` for each signal a `not` relied on being false.
 */
export function explainRule(rule: CompiledRule, matched: readonly boolean[], negated = false): string[] {
  switch (rule.op) {
    case 'signal':
      return [negated ? `!${rule.key}` : rule.key];
    case 'not':
      return explainRule(rule.rule, matched, !negated);
    case 'all':
    case 'any': {
      // Under negation, De Morgan swaps the roles: not(all) holds through one false branch.
      const needsEvery = (rule.op === 'all') !== negated;
      if (needsEvery) return rule.rules.flatMap((r) => explainRule(r, matched, negated));
      const witness = rule.rules.find((r) => evaluateRule(r, matched) !== negated);
      return witness ? explainRule(witness, matched, negated) : [];
    }
  }
}

/** Every signal key a rule reads. */
export function ruleSignals(rule: CompiledRule, into = new Set<number>()): Set<number> {
  if (rule.op === 'signal') into.add(rule.index);
  else if (rule.op === 'not') ruleSignals(rule.rule, into);
  else for (const r of rule.rules) ruleSignals(r, into);
  return into;
}
