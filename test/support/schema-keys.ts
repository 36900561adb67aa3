/**
 * The keys of the policy's JSON Schema, named by where they sit: `settings.budgetMs`,
 * `signals[].keyword.words` (an alternative of a union is named by its `type`, when it has one),
 * `decisions[].when.all`. Keys of free-form maps (`headers.set`) are values, not
 * schema keys. Recursion through `$ref` stops at the first repeat (a rule inside a rule).
 */
import type { JsonSchema } from './schema-arbitrary.ts';

/** One key set in a value: where it is in that value (`signals.3.words`) and in the schema. */
export interface KeyPath {
  readonly concrete: string;
  readonly schema: string;
}

function join(at: string, key: string): string {
  return at === '' ? key : `${at}.${key}`;
}

function resolve(node: JsonSchema, root: JsonSchema): { node: JsonSchema; ref?: string } {
  if (!node.$ref) return { node };
  const ref = node.$ref.replace('#/$defs/', '');
  const target = root.$defs?.[ref];
  if (!target) throw new Error(`no $def ${ref}`);
  return { node: target, ref };
}

/**
 * Where a walk has got to: the schema node (with `$ref`s followed) and the name it goes by. A `$ref`
 * met again inside itself goes by the name it had the first time, so recursion adds no new names.
 */
function enter(
  start: JsonSchema,
  at: string,
  refs: ReadonlyMap<string, string>,
  root: JsonSchema,
): { node: JsonSchema; at: string; refs: ReadonlyMap<string, string>; again: boolean } {
  const { node, ref } = resolve(start, root);
  if (ref === undefined) return { node, at, refs, again: false };
  const first = refs.get(ref);
  if (first !== undefined) return { node, at: first, refs, again: true };
  return { node, at, refs: new Map([...refs, [ref, at]]), again: false };
}

/** The name of a union's alternative in a key path: its `type` when it has one (keys name the rest). */
function alternativeAt(
  alternatives: readonly JsonSchema[],
  index: number,
  at: string,
  root: JsonSchema,
): string {
  const type = resolve(alternatives[index] as JsonSchema, root).node.properties?.type?.const;
  return typeof type === 'string' ? `${at}.${type}` : at;
}

/** Every key path of `schema`. */
export function schemaKeyPaths(schema: JsonSchema): string[] {
  const paths = new Set<string>();
  const walk = (start: JsonSchema, from: string, fromRefs: ReadonlyMap<string, string>): void => {
    const { node, at, refs, again } = enter(start, from, fromRefs, schema);
    if (again) return;
    const alternatives = node.oneOf ?? node.anyOf;
    if (alternatives) {
      for (const [i, alternative] of alternatives.entries()) {
        walk(alternative, alternativeAt(alternatives, i, at, schema), refs);
      }
      return;
    }
    for (const [key, value] of Object.entries(node.properties ?? {})) {
      paths.add(join(at, key));
      walk(value, join(at, key), refs);
    }
    if (node.items) walk(node.items, `${at}[]`, refs);
  };
  walk(schema, '', new Map());
  return [...paths];
}

/** The alternative of a union `value` belongs to: by its `type`, else the first whose keys it has. */
function pick(alternatives: readonly JsonSchema[], value: unknown, root: JsonSchema): number {
  const isRecord = typeof value === 'object' && value !== null && !Array.isArray(value);
  return alternatives.findIndex((alternative) => {
    const node = resolve(alternative, root).node;
    if (!isRecord) return node.type === (Array.isArray(value) ? 'array' : typeof value);
    if (!node.properties) return false;
    const record = value as Record<string, unknown>;
    const type = node.properties.type?.const;
    if (type !== undefined) return record.type === type;
    return Object.keys(record).every((key) => key in (node.properties ?? {}));
  });
}

/** Every schema key `value` sets, with where it sets it. */
export function schemaKeysIn(schema: JsonSchema, value: unknown): KeyPath[] {
  const keys: KeyPath[] = [];
  const walk = (
    start: JsonSchema,
    item: unknown,
    concrete: string,
    from: string,
    fromRefs: ReadonlyMap<string, string>,
  ): void => {
    const { node, at, refs } = enter(start, from, fromRefs, schema);
    const alternatives = node.oneOf ?? node.anyOf;
    if (alternatives) {
      const index = pick(alternatives, item, schema);
      const alternative = alternatives[index];
      if (alternative)
        walk(alternative, item, concrete, alternativeAt(alternatives, index, at, schema), refs);
      return;
    }
    if (Array.isArray(item)) {
      for (const [i, element] of item.entries()) {
        walk(node.items ?? {}, element, join(concrete, String(i)), `${at}[]`, refs);
      }
      return;
    }
    if (typeof item !== 'object' || item === null || !node.properties) return;
    for (const [key, child] of Object.entries(item)) {
      const property = node.properties[key];
      if (!property) continue;
      keys.push({ concrete: join(concrete, key), schema: join(at, key) });
      walk(property, child, join(concrete, key), join(at, key), refs);
    }
  };
  walk(schema, value, '', '', new Map());
  return keys;
}
