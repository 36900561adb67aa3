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

/** A header to set, overwriting any value already there. Values go in `raw_value`, as Envoy expects. */
export function setHeader(key: string, value: string): HeaderValueOption {
  return { header: { key, raw_value: Buffer.from(value) }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' };
}

/** Header values must be visible ASCII; anything else (or too long) is replaced or cut. */
export function safeHeaderValue(text: string, max = 256): string {
  const ascii = text.replace(/[^\x20-\x7e]/g, '?');
  return ascii.length > max ? `${ascii.slice(0, max - 3)}...` : ascii;
}
