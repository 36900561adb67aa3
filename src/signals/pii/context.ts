/** Words that, near a weakly formatted number, say what it is. Matched at the start of a word. */
export const PHONE_CONTEXT: readonly string[] = [
  'phone',
  'tel',
  'call',
  'mobile',
  'cell',
  'fax',
  'desk',
  'office',
  'contact',
  'reach',
  'sms',
  'text me',
  'message',
  'whatsapp',
  'dial',
  'landline',
  'hotline',
];

export const SSN_CONTEXT: readonly string[] = ['ssn', 'social security', 'social sec'];

/** How far around a candidate context words are looked for, in characters. */
const BEFORE = 48;
const AFTER = 24;

function isLetterOrDigit(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 48 && code <= 57) || code > 127;
}

/**
 * Whether one of `words` (lower case) starts a word shortly before `start` or after `end`. Reads a
 * bounded window, so the cost does not grow with the text.
 */
export function hasContext(text: string, start: number, end: number, words: readonly string[]): boolean {
  const window =
    `${text.slice(Math.max(0, start - BEFORE), start)} ${text.slice(end, end + AFTER)}`.toLowerCase();
  for (const word of words) {
    let at = window.indexOf(word);
    while (at >= 0) {
      if (at === 0 || !isLetterOrDigit(window.charCodeAt(at - 1))) return true;
      at = window.indexOf(word, at + 1);
    }
  }
  return false;
}
