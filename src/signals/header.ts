import { z } from 'zod';
import { defineSignal } from './signal.ts';

const HeaderName = z
  .string()
  .regex(/^[a-z0-9-]+$/, 'header names are lower-case letters, digits and dashes (Envoy lower-cases them)');

const Params = z
  .object({
    header: HeaderName.describe(
      'The request header to read, e.g. `x-user-role` set by an authenticating filter.',
    ),
    equals: z.array(z.string()).optional().describe('Matches when the value equals one of these.'),
    matches: z.string().optional().describe('Matches when the value matches this regular expression.'),
    present: z
      .boolean()
      .optional()
      .describe('`true`: matches when the header is present; `false`: when absent.'),
    caseSensitive: z.boolean().default(false).describe('Compare values with exact letter case.'),
  })
  .strict();

type HeaderParams = z.infer<typeof Params>;

function conditionCount(params: HeaderParams): number {
  return [params.equals, params.matches, params.present].filter((c) => c !== undefined).length;
}

/** A request header, e.g. a user role or tier set upstream of the router. */
export const headerSignal = defineSignal({
  type: 'header',
  cheap: true,
  description: 'A request header equals one of some values, matches a pattern, or is present/absent.',
  params: Params,
  validate(params) {
    const problems: string[] = [];
    if (conditionCount(params) !== 1) problems.push('set exactly one of equals, matches or present');
    if (params.matches !== undefined) {
      try {
        new RegExp(params.matches, 'u');
      } catch (error) {
        problems.push(`matches is not a valid regular expression: ${(error as Error).message}`);
      }
    }
    return problems;
  },
  create(params) {
    const fold = (value: string) => (params.caseSensitive ? value : value.toLowerCase());
    const allowed = params.equals ? new Set(params.equals.map(fold)) : undefined;
    const pattern =
      params.matches === undefined
        ? undefined
        : new RegExp(params.matches, params.caseSensitive ? 'u' : 'iu');
    return {
      evaluate(request) {
        const value = request.headers.get(params.header);
        let matched: boolean;
        if (params.present !== undefined) matched = (value !== undefined) === params.present;
        else if (value === undefined) matched = false;
        else if (allowed) matched = allowed.has(fold(value));
        else matched = pattern?.test(value) ?? false;
        const evidence = value === undefined ? [`${params.header} absent`] : [`${params.header}: ${value}`];
        return { matched, confidence: matched ? 1 : 0, evidence };
      },
    };
  },
  relate(a, b) {
    if (a.header !== b.header || !a.equals || !b.equals || a.caseSensitive !== b.caseSensitive)
      return 'unknown';
    const fold = (v: string) => (a.caseSensitive ? v : v.toLowerCase());
    const bValues = new Set(b.equals.map(fold));
    const aValues = a.equals.map(fold);
    if (aValues.every((v) => !bValues.has(v))) return 'disjoint';
    if (aValues.every((v) => bValues.has(v))) return 'implies';
    return 'unknown';
  },
});
