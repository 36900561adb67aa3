import { z } from 'zod';
import { TEXT_SCOPES } from '../request/router-request.ts';
import { defineSignal, type SignalResult } from './signal.ts';
import { compilePattern, patternFound } from './text/pattern-search.ts';
import { superLinearProblem } from './text/regex-safety.ts';
import { compileTerm, containsTerm, containsTermPausing } from './text/term-search.ts';
import { WHOLE_TEXT_CHARS } from './text/windows.ts';

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
      .describe(
        'JavaScript regular expressions (Unicode mode), tested as written. Each must run in linear time in the length of the prompt: `validate` and the router refuse a pattern that can backtrack super-linearly (such as `(a+)+` or `a.*b.*c`), with an example input. In prompts longer than 128 KiB, a match longer than 3,840 characters that straddles the edge of two 128 KiB windows is not seen.',
      ),
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
      .enum(TEXT_SCOPES)
      .default('last-user')
      .describe(
        'Which messages are searched: the last user message; every user message and tool or function result; or every message.',
      ),
  })
  .strict();

type KeywordParams = z.infer<typeof Params>;

/** What one evaluation found: the labels of the terms and patterns present, in policy order. */
function verdict(evidence: string[], needed: number): SignalResult {
  const matched = evidence.length >= needed;
  return { matched, confidence: matched ? 1 : evidence.length / needed, evidence };
}

/**
 * Words, phrases and regular expressions in the prompt. Words and phrases are found with `indexOf`
 * in the scope's lower-cased text (built once per request for all keyword signals) and checked for
 * word boundaries; only `patterns` run a regular expression, one vetted to run in linear time. A
 * prompt longer than 128 KiB is searched in steps that pause on the request's budget.
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
  async vet(params) {
    const flags = params.caseSensitive ? 'u' : 'iu';
    const verdicts = await Promise.all(params.patterns.map((pattern) => superLinearProblem(pattern, flags)));
    return verdicts.flatMap((message, i) => (message ? [{ at: ['patterns', i], message }] : []));
  },
  create(raw) {
    const params = raw as KeywordParams;
    const terms = [...params.words, ...params.phrases].map((t) => compileTerm(t, params.caseSensitive));
    const patterns = params.patterns.map((p) => compilePattern(p, params.caseSensitive));
    const termCount = terms.length + patterns.length;
    const needed = params.match === 'all' ? termCount : Math.min(params.minMatches, termCount);
    return {
      evaluate(request): SignalResult | Promise<SignalResult> {
        const folded = params.caseSensitive ? request.text(params.scope) : request.lowerText(params.scope);
        const text = request.text(params.scope);
        if (folded.length <= WHOLE_TEXT_CHARS) {
          const evidence: string[] = [];
          for (const term of terms) if (containsTerm(folded, term)) evidence.push(term.label);
          for (const pattern of patterns) if (pattern.regex.test(text)) evidence.push(pattern.label);
          return verdict(evidence, needed);
        }
        return (async () => {
          const evidence: string[] = [];
          for (const term of terms) {
            if (await containsTermPausing(folded, term, request.budget)) evidence.push(term.label);
          }
          for (const pattern of patterns) {
            if (await patternFound(pattern, text, request.budget)) evidence.push(pattern.label);
          }
          return verdict(evidence, needed);
        })();
      },
    };
  },
});
