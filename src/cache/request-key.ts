import { createHash } from 'node:crypto';
import { canonicalJson } from '../request/canonical-json.ts';
import type { RouterRequest } from '../request/router-request.ts';

/**
 * Fields of a chat request that never change the answer's content, left out of the fingerprint:
 * the model (the partition names the model that answers), streaming (the partition has its own
 * flag), and fields that only label the caller or ask the API to keep the exchange.
 */
const UNRELATED_FIELDS = new Set(['model', 'stream', 'stream_options', 'user', 'metadata', 'store']);

/** Stands for the last user turn in the fingerprint: that turn is compared by the tiers instead. */
const LAST_USER_TURN = '\u0000last-user-turn';

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 32);
}

/**
 * A digest of everything in the request that changes the answer besides its last user turn: the
 * whole body (system prompt, earlier turns, tools and tool choice, sampling parameters, response
 * format...) with {@link UNRELATED_FIELDS} removed and the last user turn replaced by a marker.
 */
export function requestFingerprint(request: RouterRequest): string {
  const last = request.messagesIn('last-user')[0];
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(request.chat.body)) {
    if (!UNRELATED_FIELDS.has(key)) body[key] = value;
  }
  if (Array.isArray(body.messages) && last !== undefined) {
    body.messages = body.messages.map((message, i) => (i === last ? LAST_USER_TURN : message));
  }
  return sha256(canonicalJson(body));
}

/** What an entry and a request must share for a hit: a hard partition, never a score. */
export interface PartitionKey {
  /** The tenant or user, from the identity headers; '*' when the cache is global. */
  readonly identity: string;
  readonly decision: string;
  readonly model: string;
  /**
   * What the router does to the request on the way to the model: a digest of the decision's plugins
   * and of the model's endpoint, upstream name and reasoning family, so that answers cached under
   * other settings are never served after a policy changes them.
   */
  readonly setup: string;
  readonly stream: boolean;
  readonly fingerprint: string;
}

/** The partition's id: a digest of its parts. */
export function partitionId(key: PartitionKey): string {
  return sha256(canonicalJson(key));
}

/** The identity of a request from its identity headers; undefined when one is missing or empty. */
export function requestIdentity(request: RouterRequest, headers: readonly string[]): string | undefined {
  const parts: string[] = [];
  for (const name of headers) {
    const value = request.headers.get(name)?.trim();
    if (!value) return undefined;
    parts.push(value);
  }
  return parts.join('\u0000');
}

/** The last user turn as the exact tier compares it: case, spacing and final punctuation ignored. */
export function normalisedQuestion(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .replace(/[\s.!?]+$/u, '')
    .trim();
}

/** The exact tier's key: the partition and the normalised question. */
export function exactKey(partition: string, question: string): string {
  return sha256(`${partition}\u0000${normalisedQuestion(question)}`);
}

/** What a client asks of the cache with `x-router-cache-control`. */
export interface ClientCacheControl {
  /** Look up (false for `no-cache`). */
  readonly lookup: boolean;
  /** Store the answer (false for `no-store`). */
  readonly store: boolean;
  /** `max-age=N`: serve only entries at most N seconds old, and keep a new one at most N seconds. */
  readonly maxAgeSeconds?: number;
}

export const CACHE_CONTROL_HEADER = 'x-router-cache-control';

/**
 * Reads `x-router-cache-control` (`no-cache`: do not serve from the cache; `no-store`: do not store
 * this exchange, as HTTP means it; `max-age=N`; comma-separated); unknown parts are ignored.
 */
export function clientCacheControl(request: RouterRequest): ClientCacheControl {
  const header = request.headers.get(CACHE_CONTROL_HEADER);
  if (header === undefined) return { lookup: true, store: true };
  let lookup = true;
  let store = true;
  let maxAgeSeconds: number | undefined;
  for (const part of header.slice(0, 256).toLowerCase().split(',')) {
    const directive = part.trim();
    if (directive === 'no-cache') lookup = false;
    else if (directive === 'no-store') store = false;
    else {
      const age = /^max-age=(\d{1,9})$/.exec(directive)?.[1];
      if (age !== undefined) maxAgeSeconds = Number(age);
    }
  }
  return { lookup, store, ...(maxAgeSeconds !== undefined && { maxAgeSeconds }) };
}
