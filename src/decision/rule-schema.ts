import { z } from 'zod';

/**
 * A decision's condition: a signal reference `type:name` (true when that signal matched), or
 * exactly one of `all` / `any` (lists of rules) or `not` (one rule).
 */
export type Rule = string | { all: Rule[] } | { any: Rule[] } | { not: Rule };

export const RuleSchema: z.ZodType<Rule> = z.lazy(() =>
  z.union([
    z
      .string()
      .regex(/^[a-z0-9-]+:[a-z0-9._-]+$/, 'a signal reference is written type:name, e.g. keyword:code'),
    z.object({ all: z.array(RuleSchema).min(1) }).strict(),
    z.object({ any: z.array(RuleSchema).min(1) }).strict(),
    z.object({ not: RuleSchema }).strict(),
  ]),
);
