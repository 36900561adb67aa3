/**
 * Applying the processor's HeaderMutation and BodyMutation the way Envoy's ext_proc filter does
 * (`mutation_utils.cc` and the shared `mutation_rules` checker), and encoding header maps for the
 * requests the emulator sends.
 */

import { HeaderMutationError } from './errors.ts';
import type { HeaderList } from './header-list.ts';
import type {
  BodyMutation,
  HeaderMap,
  HeaderMutation,
  HeaderValue,
  HeaderValueOption,
} from './wire-types.ts';

/**
 * Envoy's `HeaderMutationRules` (`mutation_rules` in the filter config). By default every header may
 * be changed except `host`, `:authority`, `:scheme`, `:method` and `x-envoy-*`; `:`-headers and
 * `host` can never be removed; disallowed changes are silently skipped unless `disallowIsError`.
 */
export interface MutationRules {
  allowAllRouting?: boolean;
  allowEnvoy?: boolean;
  disallowSystem?: boolean;
  disallowAll?: boolean;
  allowExpression?: RegExp;
  disallowExpression?: RegExp;
  disallowIsError?: boolean;
}

/**
 * How `set_headers` entries choose between appending and overwriting.
 * - `envoy`: what Envoy's ext_proc filter does today: only the deprecated `append` wrapper is read
 *   (absent means overwrite) and `append_action` is ignored.
 * - `append-action`: the API's documented intent: `append` wins when set, otherwise `append_action`
 *   (absent means APPEND_IF_EXISTS_OR_ADD).
 */
export type HeaderAppendSemantics = 'envoy' | 'append-action';

export interface HeaderMutationOptions {
  /** Read values from `raw_value` (Envoy's default, runtime guard `send_header_raw_value`) or from `value`. */
  rawValue: boolean;
  rules: MutationRules;
  appendSemantics: HeaderAppendSemantics;
  /** True for a CONTINUE_AND_REPLACE answer: Envoy then lets `:method` be changed. */
  replacingMessage: boolean;
  /** True when Envoy skips any `content-length` in set_headers (STREAMED, BUFFERED_PARTIAL, BUFFERED with headers skipped). */
  skipContentLength: boolean;
}

/** A single change Envoy would skip (counted in its `rejected_header_mutations` stat). */
export interface RejectedMutation {
  operation: 'set' | 'append' | 'remove';
  header: string;
  reason: string;
}

type Operation = 'set' | 'append' | 'remove';

const ROUTING_HEADERS = new Set(['host', ':authority', ':method', ':scheme']);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const INVALID_VALUE = /[\0\r\n]/;

/** Whether Envoy accepts `name` as a header name (HTTP/1 token, optionally `:`-prefixed). */
export function isValidHeaderName(name: string): boolean {
  const bare = name.startsWith(':') ? name.slice(1) : name;
  return TOKEN.test(bare);
}

/** Whether Envoy accepts `value` as a header value (no NUL, CR or LF). */
function isValidHeaderValue(value: string): boolean {
  return !INVALID_VALUE.test(value);
}

/** The text of a header value from the field Envoy would read. */
export function readHeaderValue(header: HeaderValue, rawValue: boolean): string {
  if (rawValue) return header.raw_value ? header.raw_value.toString('utf8') : '';
  return header.value ?? '';
}

/** Encodes headers for a ProcessingRequest, in `raw_value` bytes or in `value` strings. */
export function headersToProto(headers: HeaderList, rawValue: boolean): HeaderMap {
  const out: HeaderValue[] = [];
  for (const [key, value] of headers.view()) {
    out.push(rawValue ? { key, raw_value: Buffer.from(value, 'utf8') } : { key, value });
  }
  return { headers: out };
}

/**
 * Applies one HeaderMutation to `headers` in place: removals first, then sets, each checked
 * against the rules. Returns the changes that were skipped. Throws {@link HeaderMutationError}
 * where Envoy fails the whole mutation (and answers the request with a local reply).
 */
export function applyHeaderMutation(
  headers: HeaderList,
  mutation: HeaderMutation | undefined,
  options: HeaderMutationOptions,
): RejectedMutation[] {
  const rejected: RejectedMutation[] = [];
  if (!mutation) return rejected;

  for (const raw of mutation.remove_headers ?? []) {
    if (!isValidHeaderName(raw))
      throw new HeaderMutationError('Invalid character in remove_headers mutation.');
    const name = raw.toLowerCase();
    const verdict = check('remove', name, '', options.rules);
    if (verdict === 'ok') headers.remove(name);
    else if (verdict === 'fail') throw new HeaderMutationError(`Invalid attempt to remove ${name}`);
    else rejected.push({ operation: 'remove', header: name, reason: 'disallowed by mutation rules' });
  }

  for (const option of mutation.set_headers ?? []) {
    const header = option.header;
    if (!header) continue;
    if (options.skipContentLength && header.key.toLowerCase() === 'content-length') {
      rejected.push({
        operation: 'set',
        header: 'content-length',
        reason: 'content-length is removed in this body mode',
      });
      continue;
    }
    if (header.value && header.raw_value && header.raw_value.length > 0) {
      throw new HeaderMutationError(
        'Only one of value or raw_value in the HeaderValue message should be set.',
      );
    }
    const value = readHeaderValue(header, options.rawValue);
    if (!isValidHeaderName(header.key) || !isValidHeaderValue(value)) {
      throw new HeaderMutationError('Invalid character in set_headers mutation.');
    }
    const name = header.key.toLowerCase();
    const exists = headers.has(name);
    const action = resolveAppend(option, options.appendSemantics);
    if (action === 'add-if-absent' && exists) continue;
    if (action === 'overwrite-if-exists' && !exists) continue;
    const append = action === 'append';
    const operation: Operation = append && exists ? 'append' : 'set';
    let verdict = check(operation, name, value, options.rules);
    if (options.replacingMessage && name === ':method') verdict = 'ok';
    if (verdict === 'fail') throw new HeaderMutationError(`Invalid attempt to modify ${name}`);
    if (verdict === 'ignore') {
      rejected.push({ operation, header: name, reason: 'disallowed by mutation rules' });
      continue;
    }
    if (append) headers.add(name, value);
    else headers.set(name, value);
  }
  return rejected;
}

/**
 * The body after a BodyMutation: the new body, an empty one for `clear_body`, or `undefined` when
 * the mutation changes nothing.
 */
export function applyBodyMutation(mutation: BodyMutation | undefined): Buffer | undefined {
  if (!mutation) return undefined;
  // The decoded bytes are used as they are (shared with the answer), not copied.
  if (mutation.body !== undefined)
    return Buffer.isBuffer(mutation.body) ? mutation.body : Buffer.from(mutation.body);
  if (mutation.clear_body) return Buffer.alloc(0);
  return undefined;
}

/** Length of the body a BodyMutation leaves (Envoy compares it with content-length). */
export function mutatedBodyLength(mutation: BodyMutation): number {
  return mutation.body?.length ?? 0;
}

type AppendAction = 'append' | 'overwrite' | 'add-if-absent' | 'overwrite-if-exists';

function resolveAppend(option: HeaderValueOption, semantics: HeaderAppendSemantics): AppendAction {
  if (option.append !== undefined || semantics === 'envoy') {
    return option.append?.value ? 'append' : 'overwrite';
  }
  switch (option.append_action) {
    case 'ADD_IF_ABSENT':
      return 'add-if-absent';
    case 'OVERWRITE_IF_EXISTS_OR_ADD':
      return 'overwrite';
    case 'OVERWRITE_IF_EXISTS':
      return 'overwrite-if-exists';
    default:
      return 'append';
  }
}

function check(
  operation: Operation,
  name: string,
  value: string,
  rules: MutationRules,
): 'ok' | 'ignore' | 'fail' {
  const allowed =
    isAllowed(operation, name, rules) && (operation === 'remove' || isValidValueFor(name, value));
  if (allowed) return 'ok';
  return rules.disallowIsError ? 'fail' : 'ignore';
}

function isAllowed(operation: Operation, name: string, rules: MutationRules): boolean {
  if (operation === 'remove' && (name.startsWith(':') || name === 'host')) return false;
  if (rules.disallowExpression?.test(name)) return false;
  if (rules.allowExpression?.test(name)) return true;
  if (rules.disallowAll) return false;
  if (!rules.allowAllRouting && ROUTING_HEADERS.has(name)) return false;
  if (name.startsWith(':') && (operation === 'append' || rules.disallowSystem)) return false;
  if (!rules.allowEnvoy && name.startsWith('x-envoy')) return false;
  return true;
}

function isValidValueFor(name: string, value: string): boolean {
  if (!name.startsWith(':') && !isValidHeaderValue(value)) return false;
  if ((name === 'host' || name === ':authority') && (value.length === 0 || /[\s/?#@]/.test(value)))
    return false;
  if (name === ':scheme' && value !== 'http' && value !== 'https') return false;
  if (name === ':status') {
    if (!/^\d+$/.test(value)) return false;
    if (Number(value) < 200) return false;
  }
  return true;
}
