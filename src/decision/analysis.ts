import { type CompiledRule, ruleSignals } from './rule.ts';

/** A known relation between two signals, from their types' `relate`: `a` and `b` are signal indexes. */
export interface SignalConstraint {
  a: number;
  b: number;
  relation: 'disjoint' | 'implies';
}

type Truth = boolean | undefined;

function evaluate3(rule: CompiledRule, values: readonly Truth[]): Truth {
  switch (rule.op) {
    case 'signal':
      return values[rule.index];
    case 'not': {
      const v = evaluate3(rule.rule, values);
      return v === undefined ? undefined : !v;
    }
    case 'all': {
      let unknown = false;
      for (const r of rule.rules) {
        const v = evaluate3(r, values);
        if (v === false) return false;
        if (v === undefined) unknown = true;
      }
      return unknown ? undefined : true;
    }
    case 'any': {
      let unknown = false;
      for (const r of rule.rules) {
        const v = evaluate3(r, values);
        if (v === true) return true;
        if (v === undefined) unknown = true;
      }
      return unknown ? undefined : false;
    }
  }
}

function violates(constraints: readonly SignalConstraint[], values: readonly Truth[]): boolean {
  for (const c of constraints) {
    const a = values[c.a];
    const b = values[c.b];
    if (c.relation === 'disjoint' && a === true && b === true) return true;
    if (c.relation === 'implies' && a === true && b === false) return true;
  }
  return false;
}

/** Result of a satisfiability search: `unknown` when the search budget ran out. */
export type Satisfiable = 'yes' | 'no' | 'unknown';

/**
 * Whether some combination of signal outcomes, consistent with the constraints, makes every rule
 * in `mustHold` true and every rule in `mustFail` false. Signals in `fixed` have the outcome given
 * there whatever the request (e.g. a context-length signal with `min: 0` and no `max` always
 * matches). A depth-first search over the signals involved with three-valued pruning; `budget`
 * bounds the nodes visited.
 */
export function satisfiable(
  mustHold: readonly CompiledRule[],
  mustFail: readonly CompiledRule[],
  constraints: readonly SignalConstraint[],
  fixed: ReadonlyMap<number, boolean> = new Map(),
  budget = 200_000,
): Satisfiable {
  const atoms = new Set<number>();
  for (const r of [...mustHold, ...mustFail]) ruleSignals(r, atoms);
  const order = [...atoms].filter((i) => i >= 0 && !fixed.has(i));
  const relevant = constraints.filter((c) => atoms.has(c.a) && atoms.has(c.b));
  const values: Truth[] = [];
  for (const [index, value] of fixed) values[index] = value;
  let visited = 0;

  const consistent = (): Truth => {
    if (violates(relevant, values)) return false;
    let unknown = false;
    for (const r of mustHold) {
      const v = evaluate3(r, values);
      if (v === false) return false;
      if (v === undefined) unknown = true;
    }
    for (const r of mustFail) {
      const v = evaluate3(r, values);
      if (v === true) return false;
      if (v === undefined) unknown = true;
    }
    return unknown ? undefined : true;
  };

  const search = (depth: number): Satisfiable => {
    if (++visited > budget) return 'unknown';
    const state = consistent();
    if (state === false) return 'no';
    const atom = order[depth];
    if (atom === undefined) return state === true ? 'yes' : 'no';
    let sawUnknown = false;
    for (const choice of [true, false]) {
      values[atom] = choice;
      const found = search(depth + 1);
      values[atom] = undefined;
      if (found === 'yes') return 'yes';
      if (found === 'unknown') sawUnknown = true;
    }
    return sawUnknown ? 'unknown' : 'no';
  };
  return search(0);
}
