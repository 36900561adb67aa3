import { closest, distance } from 'fastest-levenshtein';
import type { z } from 'zod';

type Path = readonly (string | number)[];

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  discriminator?: string;
  getter?: () => z.ZodType;
  in?: z.ZodType;
}

function def(schema: z.ZodType): Def {
  return (schema as unknown as { def: Def }).def;
}

function valueAt(data: unknown, path: Path): unknown {
  let value = data;
  for (const part of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string | number, unknown>)[part];
  }
  return value;
}

/** The object schemas a value at `path` may be checked against (several when a union cannot tell). */
function schemasAt(schema: z.ZodType, path: Path, data: unknown, depth = 0): z.ZodType[] {
  const d = def(schema);
  switch (d.type) {
    case 'default':
    case 'optional':
    case 'nullable':
    case 'readonly':
      return d.innerType ? schemasAt(d.innerType, path, data, depth) : [];
    case 'pipe':
      return d.in ? schemasAt(d.in, path, data, depth) : [];
    case 'lazy':
      return d.getter ? schemasAt(d.getter(), path, data, depth) : [];
    case 'union': {
      const options = d.options ?? [];
      const tag = d.discriminator;
      const value = valueAt(data, path.slice(0, depth)) as Record<string, unknown> | undefined;
      const chosen =
        tag && value && typeof value === 'object'
          ? options.filter((o) => {
              const literal = def(o).shape?.[tag] as unknown as { def?: { values?: unknown[] } } | undefined;
              return literal?.def?.values?.includes(value[tag]) === true;
            })
          : options;
      return chosen.flatMap((o) => schemasAt(o, path, data, depth));
    }
    case 'array':
      if (depth === path.length) return [];
      return d.element ? schemasAt(d.element, path, data, depth + 1) : [];
    case 'record':
      return [];
    case 'object': {
      if (depth === path.length) return [schema];
      const child = d.shape?.[String(path[depth])];
      return child ? schemasAt(child, path, data, depth + 1) : [];
    }
    default:
      return [];
  }
}

/** The field names the schema allows at `path` of `data` (empty when it cannot tell). */
export function knownKeysAt(schema: z.ZodType, path: Path, data: unknown): string[] {
  const keys = new Set<string>();
  for (const object of schemasAt(schema, path, data)) {
    for (const key of Object.keys(def(object).shape ?? {})) keys.add(key);
  }
  return [...keys];
}

/** The known key closest to an unknown one, if it is a plausible misspelling. */
export function suggestKey(unknown: string, known: readonly string[]): string | undefined {
  if (known.length === 0) return undefined;
  const best = closest(unknown, [...known]);
  const lower = unknown.toLowerCase();
  if (best.toLowerCase() === lower) return best;
  return distance(lower, best.toLowerCase()) <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}
