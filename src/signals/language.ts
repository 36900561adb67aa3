import { z } from 'zod';
import { Memo } from '../request/memo.ts';
import type { RouterRequest, TextScope } from '../request/router-request.ts';
import { detectLanguage, type LanguageGuess, supportedLanguages } from './language-detector.ts';
import { defineSignal, type SignalResult } from './signal.ts';

const Params = z
  .object({
    languages: z
      .array(z.string().regex(/^[a-z]{2}$/, 'languages are ISO 639-1 codes, e.g. en, fr, zh'))
      .min(1)
      .describe('ISO 639-1 codes of the languages that match, e.g. `[de, fr, it]`.'),
    scope: z
      .enum(['last-user', 'user', 'conversation'])
      .default('last-user')
      .describe(
        'Which messages are read: the last user message, all user messages, or every message (the system prompt first). Only the first 256 characters are read.',
      ),
    minConfidence: z
      .number()
      .min(0)
      .max(1)
      .default(0)
      .describe(
        'Lowest detector score that matches. Correct detections of a sentence mostly score 0.65-0.9; a low score means a short or mixed text.',
      ),
    minChars: z
      .number()
      .int()
      .min(0)
      .default(10)
      .describe(
        'Texts shorter than this (in characters, surrounding spaces not counted) never match: their language cannot be told reliably.',
      ),
  })
  .strict();

type LanguageParams = z.infer<typeof Params>;

const LANGUAGES = new Memo<TextScope, LanguageGuess & { length: number }>();

/** The language of a scope, detected once per request and shared by every `language` signal. */
function scopeLanguage(request: RouterRequest, scope: TextScope): LanguageGuess & { length: number } {
  return LANGUAGES.of(request, scope, () => {
    const text = request.text(scope).trim();
    return { length: text.length, ...(text === '' ? { code: '', score: 0 } : detectLanguage(text)) };
  });
}

/**
 * The prompt's language, detected with eld (n-gram scores, 60 languages). Matches when the text is
 * long enough, the detected language is one of `languages`, and its score reaches `minConfidence`.
 */
export const languageSignal = defineSignal({
  type: 'language',
  description:
    'Detects the language of the prompt (60 languages, ISO 639-1 codes) from its first 256 characters; evidence is the detected code and score.',
  params: Params,
  validate(params) {
    const supported = supportedLanguages();
    const unknown = params.languages.filter((code) => !supported.has(code));
    return unknown.length === 0
      ? []
      : [
          `unsupported language code(s) ${unknown.join(', ')}; the detector knows ${[...supported].sort().join(', ')}`,
        ];
  },
  create(raw) {
    const params = raw as LanguageParams;
    const languages = new Set(params.languages);
    // Validation has loaded the detector when the policy compiles; explicit for direct use too.
    supportedLanguages();
    return {
      evaluate(request): SignalResult {
        const guess = scopeLanguage(request, params.scope);
        if (guess.length < params.minChars) return { matched: false, confidence: 0, evidence: ['too short'] };
        if (guess.code === '') return { matched: false, confidence: 0, evidence: ['undetermined'] };
        const score = Math.round(guess.score * 1000) / 1000;
        const evidence = [guess.code, `score ${score}`];
        const listed = languages.has(guess.code);
        const matched = listed && guess.score >= params.minConfidence;
        return { matched, confidence: listed ? guess.score : 0, evidence, value: score };
      },
    };
  },
  relate(a, b) {
    if (a.scope !== b.scope) return 'unknown';
    // One language is detected per text: signals with no language in common never both match.
    if (!a.languages.some((code) => b.languages.includes(code))) return 'disjoint';
    const implies =
      a.languages.every((code) => b.languages.includes(code)) &&
      a.minConfidence >= b.minConfidence &&
      a.minChars >= b.minChars;
    return implies ? 'implies' : 'unknown';
  },
});
