import { z } from 'zod';
import { defineSignal, type SignalResult } from './signal.ts';

const Params = z
  .object({
    words: z.array(z.string().min(1)).default([]).describe('Single words; matched on word boundaries.'),
    phrases: z.array(z.string().min(1)).default([]).describe('Multi-word phrases; whitespace inside matches any run of whitespace.'),
    patterns: z
      .array(z.string().min(1))
      .default([])
      .describe('JavaScript regular expressions (Unicode mode), tested as written.'),
    caseSensitive: z.boolean().default(false).describe('Match letter case exactly.'),
    match: z
      .enum(['any', 'all'])
      .default('any')
      .describe('`any`: at least `minMatches` distinct terms; `all`: every listed term must occur.'),
    minMatches: z.number().int().min(1).default(1).describe('With `match: any`, how many distinct terms must occur.'),
    scope: z
      .enum(['last-user', 'user', 'conversation'])
      .default('last-user')
      .describe('Which messages are searched: the last user message, all user messages, or every message.'),
  })
  .strict();

type KeywordParams = z.infer<typeof Params>;

const WORD_CHAR = String.raw`[\p{L}\p{N}_]`;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function termSource(term: string): string {
  const body = term
    .trim()
    .split(/\s+/)
    .map(escapeRegExp)
    .join(String.raw`\s+`);
  return `(?<!${WORD_CHAR})${body}(?!${WORD_CHAR})`;
}

/** Compiles every term into one regex pass (words and phrases) plus one regex per pattern. */
function compileMatcher(params: KeywordParams): (text: string) => string[] {
  const flags = params.caseSensitive ? 'gu' : 'giu';
  const literalTerms = [...params.words, ...params.phrases];
  const combined =
    literalTerms.length > 0 ? new RegExp(literalTerms.map((t) => `(${termSource(t)})`).join('|'), flags) : null;
  const patterns = params.patterns.map((p) => ({ source: p, regex: new RegExp(p, params.caseSensitive ? 'u' : 'iu') }));
  return (text) => {
    const found: string[] = [];
    if (combined) {
      const seen = new Set<number>();
      combined.lastIndex = 0;
      for (const match of text.matchAll(combined)) {
        for (let group = 1; group < match.length; group++) {
          if (match[group] !== undefined && !seen.has(group)) {
            seen.add(group);
            found.push(literalTerms[group - 1] as string);
            break;
          }
        }
        if (seen.size === literalTerms.length) break;
      }
    }
    for (const pattern of patterns) if (pattern.regex.test(text)) found.push(`/${pattern.source}/`);
    return found;
  };
}

/** Words, phrases and regular expressions in the prompt. */
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
        problems.push(`pattern ${JSON.stringify(pattern)} is not a valid regular expression: ${(error as Error).message}`);
      }
    }
    return problems;
  },
  create(params) {
    const findTerms = compileMatcher(params);
    const termCount = params.words.length + params.phrases.length + params.patterns.length;
    const needed = params.match === 'all' ? termCount : Math.min(params.minMatches, termCount);
    return {
      evaluate(request): SignalResult {
        const found = findTerms(request.text(params.scope));
        const matched = found.length >= needed;
        return { matched, confidence: matched ? 1 : found.length / needed, evidence: found };
      },
    };
  },
});
