/**
 * A strict structural checker for YAML/JSON documents that are meant to be parsed into protobuf
 * messages the way Envoy parses its bootstrap: YAML is turned into JSON and then into the message
 * with the proto3 JSON mapping. Envoy rejects unknown fields, bad enum names and unresolvable
 * `@type` URLs at startup; this module finds the same mistakes in a unit test, without an Envoy
 * binary, by walking the document against the message descriptors loaded from Envoy's own protos.
 *
 * What it checks:
 *  - every key is a field of the message, spelled exactly as the proto field name (snake_case);
 *  - enum values name (or number) a value of the enum;
 *  - scalars have the right JSON type and range (int32, uint32, 64-bit as number or decimal string, ...);
 *  - repeated fields are lists and map fields are objects;
 *  - at most one member of each oneof is set, and one is set when the oneof carries `(validate.required)`;
 *    fields that Envoy documents as a future oneof (`field_migrate.oneof_promotion`) are treated as one;
 *  - `google.protobuf.Any` values carry an `@type` whose message is loaded, and the rest of the object
 *    is checked against that message (recursively, so `typed_config` inside `typed_config` works);
 *  - well-known types in their JSON form: Duration ("0.25s"), Timestamp, wrappers (plain values),
 *    Struct / Value / ListValue (free-form JSON), FieldMask, Empty;
 *  - fields marked `deprecated` are refused unless `allowDeprecated` is set;
 *  - a subset of the protoc-gen-validate rules that Envoy enforces on load: `message.required`,
 *    string `min_len` / `max_len`, numeric `lt` / `lte` / `gt` / `gte`, duration bounds and
 *    repeated `min_items`. Rules on singular scalar fields are also applied to their default value
 *    when the field is absent, because that is what the validator sees.
 */
import fs from 'node:fs';
import path from 'node:path';
import protobuf from 'protobufjs';

export interface ShapeProblem {
  /** Where in the document, e.g. `$.static_resources.clusters[0].type`. */
  path: string;
  message: string;
}

export interface ShapeOptions {
  /** Accept fields and enum values marked deprecated. Envoy only warns about them, but they get removed. */
  allowDeprecated?: boolean;
}

/**
 * Loads `.proto` files (paths relative to one of the include dirs) into a resolved protobufjs root.
 * Field names are kept exactly as written in the protos. `google/protobuf/*` files that are not on the
 * include path come from the copies bundled with protobufjs. A missing import fails loudly.
 */
export function loadProtoRoot(files: readonly string[], includeDirs: readonly string[]): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => {
    if (path.isAbsolute(target) && fs.existsSync(target)) return target;
    for (const dir of includeDirs) {
      const candidate = path.join(dir, target);
      if (fs.existsSync(candidate)) return candidate;
    }
    return target;
  };
  root.loadSync([...files], { keepCase: true });
  root.resolveAll();
  return root;
}

/** Checks `value` against the message `typeName` (fully qualified, without a leading dot). */
export function checkShape(
  root: protobuf.Root,
  typeName: string,
  value: unknown,
  options: ShapeOptions = {},
): ShapeProblem[] {
  const type = lookupType(root, typeName);
  if (!type) throw new Error(`message type ${typeName} is not loaded`);
  const checker = new ShapeChecker(root, options);
  checker.checkMessage(type, value, '$');
  return checker.problems;
}

/** One problem per line, for assertion messages. */
export function formatProblems(problems: readonly ShapeProblem[]): string {
  return problems.map((p) => `${p.path}: ${p.message}`).join('\n');
}

function lookupType(root: protobuf.Root, name: string): protobuf.Type | null {
  const found = root.lookup(name.startsWith('.') ? name.slice(1) : name);
  return found instanceof protobuf.Type ? found : null;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}

function typeName(type: protobuf.ReflectionObject): string {
  return type.fullName.replace(/^\./, '');
}

function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

const WRAPPERS: Readonly<Record<string, string>> = {
  'google.protobuf.DoubleValue': 'double',
  'google.protobuf.FloatValue': 'float',
  'google.protobuf.Int64Value': 'int64',
  'google.protobuf.UInt64Value': 'uint64',
  'google.protobuf.Int32Value': 'int32',
  'google.protobuf.UInt32Value': 'uint32',
  'google.protobuf.BoolValue': 'bool',
  'google.protobuf.StringValue': 'string',
  'google.protobuf.BytesValue': 'bytes',
};

/** Well-known types whose JSON form is not an object of fields; inside an Any they sit under `value`. */
const SPECIAL_JSON_TYPES = new Set([
  ...Object.keys(WRAPPERS),
  'google.protobuf.Duration',
  'google.protobuf.Timestamp',
  'google.protobuf.FieldMask',
  'google.protobuf.Struct',
  'google.protobuf.Value',
  'google.protobuf.ListValue',
]);

const INT_RANGES: Readonly<Record<string, readonly [bigint, bigint]>> = {
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  sint32: [-(2n ** 31n), 2n ** 31n - 1n],
  sfixed32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  fixed32: [0n, 2n ** 32n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  sint64: [-(2n ** 63n), 2n ** 63n - 1n],
  sfixed64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
  fixed64: [0n, 2n ** 64n - 1n],
};

const DURATION_PATTERN = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/;
const MAX_DURATION_SECONDS = 315_576_000_000n;
const COMPARISONS = ['lt', 'lte', 'gt', 'gte'] as const;
type Comparison = (typeof COMPARISONS)[number];

/** Parses a proto3 JSON Duration ("1.5s") into nanoseconds, or null when malformed. */
export function parseDuration(text: string): bigint | null {
  const match = DURATION_PATTERN.exec(text);
  if (!match) return null;
  const seconds = BigInt(match[2] ?? '0');
  if (seconds > MAX_DURATION_SECONDS) return null;
  const nanos = BigInt((match[3] ?? '').padEnd(9, '0') || '0');
  const total = seconds * 1_000_000_000n + nanos;
  return match[1] ? -total : total;
}

function compare(actual: number | bigint, op: Comparison, bound: number | bigint): boolean {
  switch (op) {
    case 'lt':
      return actual < bound;
    case 'lte':
      return actual <= bound;
    case 'gt':
      return actual > bound;
    case 'gte':
      return actual >= bound;
  }
}

const OP_TEXT: Readonly<Record<Comparison, string>> = { lt: '<', lte: '<=', gt: '>', gte: '>=' };

class ShapeChecker {
  readonly problems: ShapeProblem[] = [];

  constructor(
    private readonly root: protobuf.Root,
    private readonly options: ShapeOptions,
  ) {}

  private report(at: string, message: string): void {
    this.problems.push({ path: at, message });
  }

  checkMessage(type: protobuf.Type, value: unknown, at: string): void {
    const name = typeName(type);
    if (this.checkWellKnown(name, value, at)) return;
    if (value === null) {
      this.report(at, `null is not a ${name}; leave the field out instead`);
      return;
    }
    if (!isPlainObject(value)) {
      this.report(at, `expected an object (${name}), got ${describe(value)}`);
      return;
    }
    for (const [key, fieldValue] of Object.entries(value)) {
      const fieldAt = `${at}.${key}`;
      const field = type.fields[key];
      if (!field) {
        const snake = snakeCase(key);
        const hint = snake !== key && type.fields[snake] ? ` (write it in snake_case: "${snake}")` : '';
        this.report(fieldAt, `unknown field "${key}" in ${name}${hint}`);
        continue;
      }
      if (field.options?.deprecated === true && !this.options.allowDeprecated) {
        this.report(fieldAt, `field "${key}" of ${name} is deprecated`);
      }
      this.checkField(field, fieldValue, fieldAt);
    }
    this.checkOneofs(type, value, at);
    this.checkAbsentFields(type, value, at);
  }

  /** Returns true when `name` is a well-known type with its own JSON form (and checks it). */
  private checkWellKnown(name: string, value: unknown, at: string): boolean {
    const wrapped = WRAPPERS[name];
    if (wrapped) {
      if (value === null) this.report(at, `null is not a ${name}; leave the field out instead`);
      else this.checkScalar(wrapped, value, at);
      return true;
    }
    switch (name) {
      case 'google.protobuf.Any':
        this.checkAny(value, at);
        return true;
      case 'google.protobuf.Duration':
        if (typeof value !== 'string' || parseDuration(value) === null) {
          this.report(at, `expected a duration string such as "0.25s" or "30s", got ${describe(value)}`);
        }
        return true;
      case 'google.protobuf.Timestamp':
        if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) {
          this.report(at, `expected an RFC 3339 timestamp string, got ${describe(value)}`);
        }
        return true;
      case 'google.protobuf.FieldMask':
        if (typeof value !== 'string')
          this.report(at, `expected a field mask string, got ${describe(value)}`);
        return true;
      case 'google.protobuf.Struct':
        if (!isPlainObject(value)) this.report(at, `expected an object (Struct), got ${describe(value)}`);
        else this.checkJson(value, at);
        return true;
      case 'google.protobuf.ListValue':
        if (!Array.isArray(value)) this.report(at, `expected a list (ListValue), got ${describe(value)}`);
        else this.checkJson(value, at);
        return true;
      case 'google.protobuf.Value':
        this.checkJson(value, at);
        return true;
      case 'google.protobuf.Empty':
        if (!isPlainObject(value) || Object.keys(value).length > 0) {
          this.report(at, `expected an empty object (Empty), got ${describe(value)}`);
        }
        return true;
      default:
        return false;
    }
  }

  private checkJson(value: unknown, at: string): void {
    if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) this.report(at, 'non-finite numbers are not valid JSON values');
      return;
    }
    if (Array.isArray(value)) {
      value.forEach((item, i) => {
        this.checkJson(item, `${at}[${i}]`);
      });
      return;
    }
    if (isPlainObject(value)) {
      for (const [key, item] of Object.entries(value)) this.checkJson(item, `${at}.${key}`);
      return;
    }
    this.report(at, `not a JSON value: ${describe(value)}`);
  }

  private checkAny(value: unknown, at: string): void {
    if (!isPlainObject(value)) {
      this.report(at, `expected an object with "@type" (google.protobuf.Any), got ${describe(value)}`);
      return;
    }
    const url = value['@type'];
    if (typeof url !== 'string' || !url.includes('/')) {
      this.report(at, 'google.protobuf.Any needs an "@type" such as "type.googleapis.com/<message name>"');
      return;
    }
    const targetName = url.slice(url.lastIndexOf('/') + 1);
    const target = lookupType(this.root, targetName);
    if (!target) {
      this.report(`${at}["@type"]`, `unknown @type "${url}": no message ${targetName} is loaded`);
      return;
    }
    const { '@type': _typeUrl, ...rest } = value;
    if (SPECIAL_JSON_TYPES.has(targetName)) {
      for (const key of Object.keys(rest)) {
        if (key !== 'value') this.report(`${at}.${key}`, `an Any holding ${targetName} only has "value"`);
      }
      this.checkMessage(target, rest.value, `${at}.value`);
      return;
    }
    this.checkMessage(target, rest, at);
  }

  private checkField(field: protobuf.Field, value: unknown, at: string): void {
    if (value === null && field.resolvedType?.fullName !== '.google.protobuf.Value') {
      this.report(at, 'null is not a valid value here; leave the field out instead');
      return;
    }
    if (field instanceof protobuf.MapField) {
      if (!isPlainObject(value)) {
        this.report(at, `expected an object for map field "${field.name}", got ${describe(value)}`);
        return;
      }
      for (const [key, item] of Object.entries(value)) {
        this.checkMapKey(field.keyType, key, `${at}.${key}`);
        this.checkSingle(field, item, `${at}.${key}`);
      }
      return;
    }
    if (field.repeated) {
      if (!Array.isArray(value)) {
        this.report(at, `expected a list for repeated field "${field.name}", got ${describe(value)}`);
        return;
      }
      const minItems = ruleNumber(field, 'repeated', 'min_items');
      if (minItems !== undefined && value.length < minItems) {
        this.report(at, `needs at least ${minItems} item(s), has ${value.length}`);
      }
      value.forEach((item, i) => {
        this.checkSingle(field, item, `${at}[${i}]`);
      });
      return;
    }
    this.checkSingle(field, value, at);
  }

  private checkMapKey(keyType: string, key: string, at: string): void {
    if (keyType === 'string') return;
    if (keyType === 'bool') {
      if (key !== 'true' && key !== 'false') this.report(at, `map key must be "true" or "false"`);
      return;
    }
    this.checkScalar(keyType, key, at);
  }

  private checkSingle(field: protobuf.Field, value: unknown, at: string): void {
    const resolved = field.resolvedType;
    if (value === null && resolved?.fullName !== '.google.protobuf.Value') {
      this.report(at, 'null is not a valid value here');
      return;
    }
    if (resolved instanceof protobuf.Enum) {
      this.checkEnum(resolved, value, at);
      return;
    }
    if (resolved instanceof protobuf.Type) {
      this.checkMessage(resolved, value, at);
      this.checkFieldRules(field, value, at);
      return;
    }
    if (this.checkScalar(field.type, value, at)) this.checkFieldRules(field, value, at);
  }

  private checkEnum(enumType: protobuf.Enum, value: unknown, at: string): void {
    const name = typeName(enumType);
    let valueName: string | undefined;
    if (typeof value === 'string') {
      if (!(value in enumType.values)) {
        this.report(at, `"${value}" is not a value of ${name} (${Object.keys(enumType.values).join(', ')})`);
        return;
      }
      valueName = value;
    } else if (typeof value === 'number' && Number.isInteger(value)) {
      valueName = Object.keys(enumType.values).find((k) => enumType.values[k] === value);
      if (valueName === undefined) {
        this.report(at, `${value} is not a value of ${name}`);
        return;
      }
    } else {
      this.report(at, `expected a value name of ${name}, got ${describe(value)}`);
      return;
    }
    if (enumType.valuesOptions?.[valueName]?.deprecated === true && !this.options.allowDeprecated) {
      this.report(at, `enum value ${valueName} of ${name} is deprecated`);
    }
  }

  /** Returns true when the value has the right JSON type and range for the scalar type. */
  private checkScalar(scalar: string, value: unknown, at: string): boolean {
    switch (scalar) {
      case 'string':
        if (typeof value !== 'string') {
          this.report(at, `expected a string, got ${describe(value)}`);
          return false;
        }
        return true;
      case 'bool':
        if (typeof value !== 'boolean') {
          this.report(at, `expected true or false, got ${describe(value)}`);
          return false;
        }
        return true;
      case 'bytes':
        if (typeof value !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(value)) {
          this.report(at, `expected base64 text for bytes, got ${describe(value)}`);
          return false;
        }
        return true;
      case 'double':
      case 'float':
        if (typeof value === 'number' && Number.isFinite(value)) return true;
        if (
          typeof value === 'string' &&
          (/^(NaN|-?Infinity)$/.test(value) || Number.isFinite(Number(value)))
        ) {
          return true;
        }
        this.report(at, `expected a number, got ${describe(value)}`);
        return false;
      default: {
        const range = INT_RANGES[scalar];
        if (!range) {
          this.report(at, `cannot check values of type ${scalar}`);
          return false;
        }
        let asBig: bigint | null = null;
        if (typeof value === 'number' && Number.isSafeInteger(value)) asBig = BigInt(value);
        else if (typeof value === 'string' && /^-?\d+$/.test(value)) asBig = BigInt(value);
        if (asBig === null) {
          this.report(at, `expected an integer (${scalar}), got ${describe(value)}`);
          return false;
        }
        if (asBig < range[0] || asBig > range[1]) {
          this.report(at, `${value} is out of range for ${scalar}`);
          return false;
        }
        return true;
      }
    }
  }

  /** protoc-gen-validate rules on a field that is present. */
  private checkFieldRules(field: protobuf.Field, value: unknown, at: string): void {
    const kind = ruleKind(field);
    if (!kind) return;
    if (kind === 'string' && typeof value === 'string') {
      const min = ruleNumber(field, 'string', 'min_len');
      const max = ruleNumber(field, 'string', 'max_len');
      const length = [...value].length;
      if (min !== undefined && length < min) this.report(at, `must be at least ${min} character(s) long`);
      if (max !== undefined && length > max) this.report(at, `must be at most ${max} character(s) long`);
      return;
    }
    if (kind === 'duration' && typeof value === 'string') {
      const nanos = parseDuration(value);
      if (nanos === null) return;
      for (const op of COMPARISONS) {
        const bound = durationRule(field, op);
        if (bound !== undefined && !compare(nanos, op, bound)) {
          this.report(at, `duration must be ${OP_TEXT[op]} ${formatNanos(bound)}`);
        }
      }
      return;
    }
    if (NUMERIC_RULE_KINDS.has(kind)) {
      const numeric =
        typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
      if (Number.isNaN(numeric)) return;
      for (const op of COMPARISONS) {
        const bound = ruleNumber(field, kind, op);
        if (bound !== undefined && !compare(numeric, op, bound)) {
          this.report(at, `must be ${OP_TEXT[op]} ${bound}`);
        }
      }
    }
  }

  private checkOneofs(type: protobuf.Type, value: Record<string, unknown>, at: string): void {
    const groups = new Map<string, { fields: string[]; required: boolean }>();
    for (const oneof of type.oneofsArray) {
      groups.set(`oneof ${oneof.name}`, {
        fields: oneof.fieldsArray.map((f) => f.name),
        required: oneof.options?.['(validate.required)'] === true,
      });
    }
    for (const field of type.fieldsArray) {
      const promotion = field.options?.['(udpa.annotations.field_migrate).oneof_promotion'];
      if (typeof promotion !== 'string') continue;
      const key = `future oneof ${promotion}`;
      const group = groups.get(key) ?? { fields: [], required: false };
      group.fields.push(field.name);
      groups.set(key, group);
    }
    for (const [label, group] of groups) {
      const set = group.fields.filter((f) => f in value);
      if (set.length > 1) {
        this.report(
          at,
          `only one of ${group.fields.join(', ')} may be set (${label}), found ${set.join(', ')}`,
        );
      } else if (set.length === 0 && group.required) {
        this.report(at, `one of ${group.fields.join(', ')} must be set (${label} of ${typeName(type)})`);
      }
    }
  }

  /** Rules that fire when a field is left out: required messages, and scalar defaults that fail a rule. */
  private checkAbsentFields(type: protobuf.Type, value: Record<string, unknown>, at: string): void {
    for (const field of type.fieldsArray) {
      // Members of a oneof are only validated when they are the member that is set.
      if (field.name in value || field.partOf) continue;
      const fieldAt = `${at}.${field.name}`;
      if (field.options?.['(validate.rules).message.required'] === true) {
        this.report(fieldAt, `required field "${field.name}" of ${typeName(type)} is missing`);
        continue;
      }
      if (field.repeated || field.resolvedType) {
        const minItems = field.repeated ? ruleNumber(field, 'repeated', 'min_items') : undefined;
        if (minItems !== undefined && minItems > 0) {
          this.report(fieldAt, `required list "${field.name}" of ${typeName(type)} is missing`);
        }
        continue;
      }
      const kind = ruleKind(field);
      if (!kind || field.options?.[`(validate.rules).${kind}.ignore_empty`] === true) continue;
      const before = this.problems.length;
      this.checkFieldRules(field, kind === 'string' ? '' : 0, fieldAt);
      for (const problem of this.problems.slice(before)) {
        problem.message = `field "${field.name}" is missing, and its default value fails: ${problem.message}`;
      }
    }
  }
}

const NUMERIC_RULE_KINDS = new Set([
  'int32',
  'int64',
  'uint32',
  'uint64',
  'sint32',
  'sint64',
  'fixed32',
  'fixed64',
  'sfixed32',
  'sfixed64',
  'double',
  'float',
]);

/** The protoc-gen-validate rule family used on a field (`string`, `uint32`, `duration`, ...), if any. */
function ruleKind(field: protobuf.Field): string | undefined {
  for (const key of Object.keys(field.options ?? {})) {
    const match = /^\(validate\.rules\)\.([a-z0-9_]+)\./.exec(key);
    if (match?.[1]) return match[1];
  }
  return undefined;
}

function ruleNumber(field: protobuf.Field, kind: string, rule: string): number | undefined {
  const raw = field.options?.[`(validate.rules).${kind}.${rule}`];
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'string' && raw.trim() !== '' && Number.isFinite(Number(raw))) return Number(raw);
  return undefined;
}

function durationRule(field: protobuf.Field, op: Comparison): bigint | undefined {
  const options = field.options ?? {};
  const prefix = `(validate.rules).duration.${op}`;
  const seconds = options[`${prefix}.seconds`];
  const nanos = options[`${prefix}.nanos`];
  const hasBound = Object.keys(options).some((k) => k === prefix || k.startsWith(`${prefix}.`));
  if (!hasBound) return undefined;
  return BigInt(Number(seconds ?? 0)) * 1_000_000_000n + BigInt(Number(nanos ?? 0));
}

function formatNanos(nanos: bigint): string {
  const seconds = Number(nanos) / 1e9;
  return `${seconds}s`;
}
