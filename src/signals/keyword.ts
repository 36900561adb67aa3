import { z } from 'zod';
import { defineSignal, type SignalResult } from './signal.ts';

const Params = z
  .object({
    words: z.array(z.string().min(1)).default([]).describe('Single words; matched on word boundaries.'),
    phrases: z
      .array(z.string().min(1))
      .default([])
      .describe('Multi-word phrases; whitespace inside matches any run of whitespace.'),
    patterns: z
      .array(z.string().min(1))
      .default([])
      .describe('JavaScript regular expressions (Unicode mode), tested as written.'),
    caseSensitive: z.boolean().default(false).describe('Match letter case exactly.'),
    match: z
      .enum(['any', 'all'])
      .default('any')
      .describe('`any`: at least `minMatches` distinct terms; `all`: every listed term must occur.'),
    minMatches: z
      .number()
      .int()
      .min(1)
      .default(1)
      .describe('With `match: any`, how many distinct terms must occur.'),
    scope: z
      .enum(['last-user', 'user', 'conversation'])
      .default('last-user')
      .describe('Which messages are searched: the last user message, all user messages, or every message.'),
  })
  .strict();

type KeywordParams = z.infer<typeof Params>;

const WORD_CHAR = /[\p{L}\p{N}_]/u;

/** Letters, digits and `_`: ASCII by char code, the rest by Unicode property. */
function isWordChar(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  if (code < 128) {
    return (
      (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57) || code === 95
    );
  }
  return WORD_CHAR.test(text.charAt(index));
}

/** One literal term, normalised as the lexicon is, and how to look for it. */
interface Term {
  label: string;
  needle: string;
  /** Whether each edge is a word character, so that a match needs a word boundary there. */
  boundedStart: boolean;
  boundedEnd: boolean;
}

function compileTerm(label: string, caseSensitive: boolean): Term {
  const normalised = label.trim().replace(/\s+/g, ' ');
  const needle = caseSensitive ? normalised : normalised.toLowerCase();
  return {
    label,
    needle,
    boundedStart: isWordChar(needle, 0),
    boundedEnd: isWordChar(needle, needle.length - 1),
  };
}

/** Finds the term in the normalised text with `indexOf`, then checks the word boundaries. */
function contains(text: string, term: Term): boolean {
  let from = 0;
  for (;;) {
    const at = text.indexOf(term.needle, from);
    if (at < 0) return false;
    const end = at + term.needle.length;
    const startOk = !term.boundedStart || at === 0 || !isWordChar(text, at - 1);
    const endOk = !term.boundedEnd || end === text.length || !isWordChar(text, end);
    if (startOk && endOk) return true;
    from = at + 1;
  }
}

/**
 * Words, phrases and regular expressions in the prompt. Words and phrases are found with
 * `indexOf` in the request's normalised text (built once per request for all keyword signals)
 * plus a word-boundary check; only `patterns` run a regular expression.
 */
export const keywordSignal = defineSignal({
  type: 'keyword',
  description: 'Matches words, phrases and regular expressions in the prompt.',
  params: Params,
  validate(params) {
    const problems: string[] = [];
    if (params.words.length + params.phrases.length + params.patterns.length === 0) {
      problems.push('a keyword signal needs at least one of words, phrases or patterns');
    }
    for (const pattern of params.patterns) {
      try {
        new RegExp(pattern, 'u');
      } catch (error) {
        problems.push(
          `pattern ${JSON.stringify(pattern)} is not a valid regular expression: ${(error as Error).message}`,
        );
      }
    }
    return problems;
  },
  create(raw) {
    const params = raw as KeywordParams;
    const terms = [...params.words, ...params.phrases].map((t) => compileTerm(t, params.caseSensitive));
    const patterns = params.patterns.map((p) => ({
      label: `/${p}/`,
      regex: new RegExp(p, params.caseSensitive ? 'u' : 'iu'),
    }));
    const termCount = terms.length + patterns.length;
    const needed = params.match === 'all' ? termCount : Math.min(params.minMatches, termCount);
    return {
      evaluate(request): SignalResult {
        const { text } = request.lexicon(params.scope, params.caseSensitive);
        const evidence: string[] = [];
        for (const term of terms) if (contains(text, term)) evidence.push(term.label);
        if (patterns.length > 0) {
          const text = request.text(params.scope);
          for (const pattern of patterns) if (pattern.regex.test(text)) evidence.push(pattern.label);
        }
        const matched = evidence.length >= needed;
        return { matched, confidence: matched ? 1 : evidence.length / needed, evidence };
      },
    };
  },
});
