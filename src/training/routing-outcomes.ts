import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SHARED_DATA_DIR } from './dataset-readers.ts';
import { splitMmluPrompt } from './mmlu-subjects.ts';
import { NearDuplicateIndex } from './near-duplicates.ts';
import type { OutcomeRow } from './outcome-rows.ts';

/** The routing data next to the project (`../shared/data/routing`), read at run time, never copied in. */
export const ROUTING_DATA_DIR = join(SHARED_DATA_DIR, 'routing');
export const ROUTING_PRICES = join(ROUTING_DATA_DIR, 'prices.json');

/** RouteLLM's two models, named as the prices file (and the MMLU-Pro results, for Mixtral) name them. */
const ROUTELLM_MODELS = {
  gpt4_1106_correct: 'gpt-4-1106-preview',
  mixtral_8x7b_correct: 'Mixtral-8x7B-Instruct-v0.1',
} as const;

const LETTERS = 'ABCDEFGHIJKLMNOP';

function jsonLines(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The routing data as outcome rows, in two sets, with near-duplicate questions (within and across them) sharing a group. */
export interface RoutingOutcomes {
  /** GPT-4 vs Mixtral on MMLU (RouteLLM): 1 when the model answered correctly. */
  mmlu: OutcomeRow[];
  /** 29 models on MMLU-Pro: 1 when correct; models without a result are left out of the row. */
  mmluPro: OutcomeRow[];
}

/**
 * Converts `../shared/data/routing` (and the MMLU-Pro questions of `../shared/data/domain`) to
 * outcome rows. MMLU-Pro prompts are written as RouteLLM's are (the question, lettered options,
 * `Answer:`); output tokens are ceil(output_chars / 4) where the results give a length. Questions
 * MMLU-Pro took from MMLU overlap RouteLLM's file: every row is joined to the rows it
 * near-duplicates (same normalised question, same opening words, or most word 3-grams shared), and
 * each connected set gets one `group`, so that a split by group never trains on a question it
 * evaluates in either file.
 */
export function readRoutingOutcomes(dir: string = ROUTING_DATA_DIR): RoutingOutcomes {
  const mmlu: OutcomeRow[] = jsonLines(join(dir, 'train_routellm_mmlu.jsonl')).map((record) => {
    const outcomes: Record<string, number> = {};
    for (const [field, model] of Object.entries(ROUTELLM_MODELS)) {
      const value = record[field];
      if (typeof value === 'boolean') outcomes[model] = value ? 1 : 0;
    }
    return {
      id: String(record.id),
      prompt: String(record.prompt),
      category: String(record.subject),
      outcomes,
    };
  });
  const models = (JSON.parse(readFileSync(join(dir, 'mmlu_pro_models.json'), 'utf8')) as { models: string[] })
    .models;
  const questions = new Map<number, Record<string, unknown>>();
  for (const record of jsonLines(join(dir, '..', 'domain', 'train_mmlu_pro.jsonl')))
    questions.set(Number(record.question_id), record);
  const mmluPro: OutcomeRow[] = [];
  for (const record of jsonLines(join(dir, 'train_mmlu_pro_29models.jsonl'))) {
    const question = questions.get(Number(record.question_id));
    if (!question) continue;
    const options = (question.options as string[]).map((option, i) => `${LETTERS[i]}. ${option}`);
    const correct = record.correct as (number | null)[];
    const chars = record.output_chars as (number | null)[];
    const outcomes: Record<string, number> = {};
    const outputTokens: Record<string, number> = {};
    models.forEach((model, i) => {
      const value = correct[i];
      if (value === null || value === undefined) return;
      outcomes[model] = value;
      const length = chars[i];
      if (typeof length === 'number' && length > 0) outputTokens[model] = Math.ceil(length / 4);
    });
    mmluPro.push({
      id: `mmlu-pro-${record.question_id}`,
      prompt: `${String(question.question).trim()}\n${options.join('\n')}\nAnswer:`,
      category: String(record.category),
      outcomes,
      output_tokens: outputTokens,
    });
  }
  groupNearDuplicates([...mmlu, ...mmluPro]);
  return { mmlu, mmluPro };
}

/** Sets `group` on every row: the smallest id among the rows its question near-duplicates, transitively. */
function groupNearDuplicates(rows: OutcomeRow[]): void {
  const stems = rows.map((row) => splitMmluPrompt(row.prompt).question);
  const parent = rows.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i] as number] as number;
      i = parent[i] as number;
    }
    return i;
  };
  const index = new NearDuplicateIndex(stems);
  stems.forEach((stem, i) => {
    for (const j of index.matches(stem)) parent[find(j)] = find(i);
  });
  const smallest = new Map<number, string>();
  rows.forEach((row, i) => {
    const root = find(i);
    const current = smallest.get(root);
    if (current === undefined || row.id < current) smallest.set(root, row.id);
  });
  rows.forEach((row, i) => {
    row.group = smallest.get(find(i)) as string;
  });
}
