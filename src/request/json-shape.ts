/** Bounds on the structure of a request body, checked before it is parsed. */
export interface JsonShapeLimits {
  /** Deepest nesting of arrays and objects. */
  maxDepth: number;
  /** Most array elements and object members, counted over the whole document. */
  maxValues: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/** Index of the quote that closes the string whose content starts at `from`, or -1. */
function stringEnd(raw: Uint8Array, from: number): number {
  let at = from;
  for (;;) {
    const quote = raw.indexOf(QUOTE, at);
    if (quote < 0) return -1;
    let backslashes = 0;
    while (quote - backslashes - 1 >= from && raw[quote - backslashes - 1] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote;
    at = quote + 1;
  }
}

function tooDeep(limits: JsonShapeLimits): string {
  return `the body nests arrays and objects deeper than the limit of ${limits.maxDepth} levels`;
}

function tooMany(limits: JsonShapeLimits): string {
  return `the body has more than the limit of ${limits.maxValues} JSON values (array elements and object members)`;
}

/**
 * Why a parsed JSON value exceeds the limits, or undefined when it does not: a walk over its arrays
 * and objects (with a stack, not recursion), far cheaper than scanning the text for a typical chat
 * body, which is mostly long strings. For bodies small enough that parsing them cannot take long.
 */
export function parsedShapeProblem(value: unknown, limits: JsonShapeLimits): string | undefined {
  const stack: [unknown, number][] = [[value, 1]];
  let values = 0;
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [node, depth] = item;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > limits.maxDepth) return tooDeep(limits);
    const children = Array.isArray(node) ? node : Object.values(node);
    values += Math.max(1, children.length);
    if (values > limits.maxValues) return tooMany(limits);
    for (const child of children)
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
  }
  return undefined;
}

/**
 * Why a JSON text exceeds the limits, or undefined when it does not. One pass over the bytes, with
 * strings skipped by `indexOf`, so it costs far less than parsing; it runs first because parsing a
 * pathological document (millions of nested arrays or empty objects) takes seconds. It does not
 * validate the JSON: that is the parser's job.
 */
export function jsonShapeProblem(raw: Uint8Array, limits: JsonShapeLimits): string | undefined {
  let depth = 0;
  let values = 0;
  for (let i = 0; i < raw.length; i++) {
    const byte = raw[i];
    if (byte === QUOTE) {
      const end = stringEnd(raw, i + 1);
      if (end < 0) return undefined;
      i = end;
    } else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
      depth++;
      values++;
      if (depth > limits.maxDepth) return tooDeep(limits);
    } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) {
      depth--;
    } else if (byte === COMMA) {
      values++;
    }
    if (values > limits.maxValues) return tooMany(limits);
  }
  return undefined;
}
