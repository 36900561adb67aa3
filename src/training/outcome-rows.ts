import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * One prompt of an outcomes file (JSON lines): how well each model answered it (0..1) and, when
 * known, how many tokens each wrote. Rows sharing a `group` are near-duplicates (one question in two
 * data sets) and always stay on one side of a split.
 */
export const OutcomeRowSchema = z.object({
  id: z.string().min(1),
  prompt: z.string().min(1),
  category: z.string().optional(),
  outcomes: z.record(z.string(), z.number().min(0).max(1)),
  output_tokens: z.record(z.string(), z.number().min(0)).optional(),
  group: z.string().optional(),
});

export type OutcomeRow = z.infer<typeof OutcomeRowSchema>;

/** USD per 1M tokens per model, and how tokens are estimated (`../shared/data/routing/prices.json`). */
export interface PriceTable {
  prices: Record<string, { input: number; output: number }>;
}

const PriceTableSchema = z.object({
  prices: z.record(z.string(), z.object({ input: z.number().min(0), output: z.number().min(0) })),
});

/** Output tokens assumed when a row does not say how long a model's answer was. */
export const DEFAULT_OUTPUT_TOKENS = 256;

/** Tokens of a text by the prices file's estimate: ceil(characters / 4). */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Reads an outcomes file; throws naming the first bad line. */
export function readOutcomeRows(file: string): OutcomeRow[] {
  const rows: OutcomeRow[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, index) => {
      if (line.trim() === '') return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch (error) {
        throw new Error(`${file}:${index + 1}: not JSON (${(error as Error).message})`, { cause: error });
      }
      const row = OutcomeRowSchema.safeParse(parsed);
      if (!row.success)
        throw new Error(`${file}:${index + 1}: ${row.error.issues[0]?.message ?? 'invalid row'}`);
      rows.push(row.data);
    });
  if (rows.length === 0) throw new Error(`${file}: no outcome rows`);
  return rows;
}

/** Reads a prices file; throws when it is not one. */
export function readPriceTable(file: string): PriceTable {
  const parsed = PriceTableSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file}: not a prices file (${parsed.error.issues[0]?.message})`);
  return parsed.data;
}

/** Every model named in the rows, sorted. */
export function modelsOf(rows: readonly OutcomeRow[]): string[] {
  const names = new Set<string>();
  for (const row of rows) for (const model of Object.keys(row.outcomes)) names.add(model);
  return [...names].sort();
}

/** The USD cost of answering `row` with `model` under the price table (input ceil(chars/4), output from the row or 256). */
export function rowCost(row: OutcomeRow, model: string, prices: PriceTable): number {
  const price = prices.prices[model];
  if (price === undefined) throw new Error(`no price for model ${model}`);
  const output = row.output_tokens?.[model] || DEFAULT_OUTPUT_TOKENS;
  return (estimateTokens(row.prompt) * price.input + output * price.output) / 1e6;
}
