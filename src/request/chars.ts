/** Character tests on UTF-16 code units, shared by tokenizing, keyword matching and PII detection. */

const NON_ASCII_WORD = /[\p{L}\p{N}]/u;

/** Whitespace as JavaScript's `\s` knows it. */
export function isSpace(code: number): boolean {
  if (code < 128) return code === 32 || (code >= 9 && code <= 13);
  return (
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

function isAsciiWord(code: number): boolean {
  return (
    (code >= 48 && code <= 57) || (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || code === 95
  );
}

/** Letters, digits and `_`, in any script; false outside the text. */
export function isWordAt(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  if (Number.isNaN(code)) return false;
  if (code < 128) return isAsciiWord(code);
  return NON_ASCII_WORD.test(text.charAt(index));
}
