/**
 * Writes the shared routing data as outcome files (JSON lines) for `semantic-router train selection`
 * and `semantic-router replay`: `<out>/mmlu.jsonl` (GPT-4 vs Mixtral, RouteLLM) and
 * `<out>/mmlu-pro.jsonl` (29 models). Write them outside the repository: the data is never committed.
 *
 *   node --import tsx scripts/routing-outcomes.ts --out /tmp/routing-outcomes
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { splitOutcomes } from '../src/training/outcome-split.ts';
import { readRoutingOutcomes } from '../src/training/routing-outcomes.ts';

const { values } = parseArgs({ options: { out: { type: 'string' } } });
if (!values.out) {
  console.error('usage: routing-outcomes.ts --out DIR');
  process.exit(2);
}
mkdirSync(values.out, { recursive: true });
const sets = readRoutingOutcomes();
for (const [name, rows] of [
  ['mmlu', sets.mmlu],
  ['mmlu-pro', sets.mmluPro],
] as const) {
  const file = join(values.out, `${name}.jsonl`);
  writeFileSync(file, `${rows.map((row) => JSON.stringify(row)).join('\n')}\n`);
  const { heldOut } = splitOutcomes(rows);
  console.log(`${file}: ${rows.length} rows (${heldOut.length} held out)`);
}
