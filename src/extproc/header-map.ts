import { type HeaderMap, type HeaderValueOption, headerValueText } from './messages.ts';

/** Envoy's header list as a map of lower-case name to value (repeated headers joined by ", "). */
export function readHeaders(map: HeaderMap | undefined): Map<string, string> {
  const headers = new Map<string, string>();
  for (const header of map?.headers ?? []) {
    const key = header.key.toLowerCase();
    const value = headerValueText(header);
    const previous = headers.get(key);
    headers.set(key, previous === undefined ? value : `${previous}, ${value}`);
  }
  return headers;
}

/**
 * Which field of HeaderValue carries values. Envoy sends and reads header values in `raw_value`
 * when its `send_header_raw_value` runtime guard is on (the default) and in `value` otherwise, and
 * rejects a mutation that sets both; so answers use the field the request headers came in.
 */
export type HeaderEncoding = 'raw_value' | 'value';

/** The encoding Envoy used for a header map (`raw_value` when it cannot tell). */
export function detectEncoding(map: HeaderMap | undefined): HeaderEncoding {
  for (const header of map?.headers ?? []) {
    if (header.raw_value && header.raw_value.length > 0) return 'raw_value';
    if (header.value) return 'value';
  }
  return 'raw_value';
}

/** A header to set, overwriting any value already there, in the field Envoy reads. */
export function setHeader(
  key: string,
  value: string,
  encoding: HeaderEncoding = 'raw_value',
): HeaderValueOption {
  const header = encoding === 'raw_value' ? { key, raw_value: Buffer.from(value) } : { key, value };
  return { header, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' };
}

/** Header values must be visible ASCII; anything else (or too long) is replaced or cut. */
export function safeHeaderValue(text: string, max = 256): string {
  const ascii = text.replace(/[^\x20-\x7e]/g, '?');
  return ascii.length > max ? `${ascii.slice(0, max - 3)}...` : ascii;
}
