/**
 * fast-check arbitraries from the policy's JSON Schema (docs/policy.schema.json is generated from
 * the zod schema, so these follow every signal and plugin type the registry has). Covers the
 * constructs that schema uses: const, enum, oneOf/anyOf, objects with required and optional
 * properties, records, arrays with bounds, strings with a pattern or a minimum length, bounded
 * numbers, booleans and `$ref`s into `$defs` (recursion is cut at a depth).
 */
import fc from 'fast-check';

export interface JsonSchema {
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  const?: unknown;
  enum?: unknown[];
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  propertyNames?: JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
}

/** Replaces the arbitrary of a property by name (e.g. keyword `patterns`, to keep analysis cheap). */
export type PropertyOverrides = Readonly<Record<string, fc.Arbitrary<unknown>>>;

const MAX_DEPTH = 4;
const BOUND = 1_000_000;

function numberArbitrary(schema: JsonSchema): fc.Arbitrary<number> {
  const low = Math.max(-BOUND, schema.minimum ?? schema.exclusiveMinimum ?? -BOUND);
  const high = Math.min(BOUND, schema.maximum ?? BOUND);
  if (schema.type === 'integer') {
    const min = Math.ceil(schema.exclusiveMinimum !== undefined ? low + 1 : low);
    return fc.oneof(fc.integer({ min, max: Math.floor(high) }), fc.constantFrom(min, Math.floor(high)));
  }
  return fc.double({ min: low, max: high, noNaN: true, minExcluded: schema.exclusiveMinimum !== undefined });
}

function stringArbitrary(schema: JsonSchema): fc.Arbitrary<string> {
  if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length <= 40);
  return fc.string({ minLength: schema.minLength ?? 0, maxLength: 16 });
}

/** An arbitrary of the values `schema` describes (`root` holds the `$defs` its `$ref`s name). */
export function schemaArbitrary(
  schema: JsonSchema,
  root: JsonSchema,
  overrides: PropertyOverrides = {},
  depth = 0,
): fc.Arbitrary<unknown> {
  if (schema.$ref) {
    const name = schema.$ref.replace('#/$defs/', '');
    const target = root.$defs?.[name];
    if (!target) throw new Error(`no $def ${name}`);
    // Past the depth, only the first alternative (for rules: a signal reference, a leaf).
    const cut = depth >= MAX_DEPTH && target.anyOf ? { ...target, anyOf: target.anyOf.slice(0, 1) } : target;
    return schemaArbitrary(cut, root, overrides, depth + 1);
  }
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const alternatives = schema.oneOf ?? schema.anyOf;
  if (alternatives) return fc.oneof(...alternatives.map((s) => schemaArbitrary(s, root, overrides, depth)));
  switch (schema.type) {
    case 'object': {
      if (schema.properties) {
        const shape: Record<string, fc.Arbitrary<unknown>> = {};
        for (const [key, value] of Object.entries(schema.properties)) {
          shape[key] = overrides[key] ?? schemaArbitrary(value, root, overrides, depth + 1);
        }
        return fc.record(shape, { requiredKeys: schema.required ?? [] });
      }
      const values =
        typeof schema.additionalProperties === 'object'
          ? schemaArbitrary(schema.additionalProperties, root, overrides, depth + 1)
          : fc.string({ maxLength: 8 });
      const keys = schema.propertyNames ? stringArbitrary(schema.propertyNames) : fc.string({ maxLength: 8 });
      return fc.dictionary(keys, values, { maxKeys: 3 });
    }
    case 'array': {
      const minLength = schema.minItems ?? 0;
      const maxLength = Math.min(schema.maxItems ?? minLength + 3, minLength + 3);
      return fc.array(schemaArbitrary(schema.items ?? {}, root, overrides, depth + 1), {
        minLength,
        maxLength,
      });
    }
    case 'string':
      return stringArbitrary(schema);
    case 'integer':
    case 'number':
      return numberArbitrary(schema);
    case 'boolean':
      return fc.boolean();
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}
