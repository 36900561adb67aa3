/** Character tests shared by the detectors, on UTF-16 code units. */

export const PLUS = 43;
export const OPEN = 40;
export const CLOSE = 41;
export const SPACE = 32;
export const DASH = 45;
export const DOT = 46;
export const COLON = 58;
export const COMMA = 44;
export const SLASH = 47;
export const AT = 64;

export function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

export function isAsciiAlnum(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 97 && code <= 122) || (code >= 65 && code <= 90);
}

/** The value of the decimal digits in `[from, to)`, read without building a string. */
export function numberAt(text: string, from: number, to: number): number {
  let value = 0;
  for (let k = from; k < to; k++) value = value * 10 + text.charCodeAt(k) - 48;
  return value;
}
