import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { eld as EldDetector } from 'eld/extrasmall';

/** The language of a text: an ISO 639-1 code (empty when undetermined) and the detector's score in [0, 1]. */
export interface LanguageGuess {
  code: string;
  score: number;
}

/**
 * How much of a text is read: its first 256 UTF-16 code units (a surrogate pair is not split). The
 * detector's cost grows with its input up to about 380 bytes, where it stops reading; a couple of
 * sentences tell the language as well as a page does.
 */
const LANGUAGE_SAMPLE_CHARS = 256;

type Eld = typeof EldDetector;

let detector: Eld | undefined;

/**
 * eld (Efficient Language Detector, Apache-2.0) with its smallest n-gram database: 60 languages,
 * about 30 MB of heap and a quarter of a second to load. It is loaded on first use, so a policy
 * without a `language` signal does not pay for it. The package is ES-module only and exports no
 * `require` entry, so its module file is required by path (Node.js 20.19+ loads ES modules
 * synchronously with `require`); policies compile synchronously.
 */
function loadDetector(): Eld {
  if (!detector) {
    const file = fileURLToPath(import.meta.resolve('eld/extrasmall'));
    detector = (createRequire(import.meta.url)(file) as { eld: Eld }).eld;
  }
  return detector;
}

/** The ISO 639-1 codes the detector can return. */
export function supportedLanguages(): ReadonlySet<string> {
  return new Set(Object.values(loadDetector().info().Languages));
}

/** The first `LANGUAGE_SAMPLE_CHARS` of a text. */
function sample(text: string): string {
  if (text.length <= LANGUAGE_SAMPLE_CHARS) return text;
  const last = text.charCodeAt(LANGUAGE_SAMPLE_CHARS - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? LANGUAGE_SAMPLE_CHARS - 1 : LANGUAGE_SAMPLE_CHARS);
}

/** The most likely language of the start of `text`. */
export function detectLanguage(text: string): LanguageGuess {
  const result = loadDetector().detect(sample(text));
  if (result.language === '') return { code: '', score: 0 };
  return { code: result.language, score: result.getScores()[result.language] ?? 0 };
}
