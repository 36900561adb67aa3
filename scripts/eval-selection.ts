/**
 * The figures model selection is judged by, on the held-out side of the shared routing data
 * (converted to outcome rows at run time; nothing is written into the repository):
 *
 * - GPT-4 vs Mixtral on MMLU (RouteLLM): the share of requests sent to GPT-4 to reach 95% of its
 *   accuracy, for cost-aware selection (λ swept), the bandit, the prompt-blind Thompson sampler,
 *   random choice and the oracle;
 * - 29 models on MMLU-Pro: the cost at which cost-aware selection reaches the best single model's
 *   accuracy, as a share of that model's cost, and the frontier;
 * - the bandit learning online (one pass, bandit feedback only) against the offline cost-aware
 *   selector and the Thompson sampler, compared at equal cost along their frontiers.
 *
 * One quality head is trained on the training sides of both files (the split by group keeps a
 * question MMLU-Pro took from MMLU on one side in both), then both held-out sides are replayed.
 *
 *   npm run eval:selection -- [--out DIR] [--recipe JSON] [--bandit JSON] [--seed N]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_LEXICAL_CONFIG, lexicalFeatures } from '../src/models/heads/lexical-featurizer.ts';
import { sharedModelLibrary } from '../src/models/shared-model-library.ts';
import { ensureStaticEncoder } from '../src/models/static-encoder/ensure-static-encoder.ts';
import { STATIC_ENCODER_DIR } from '../src/models/static-encoder/static-encoder-files.ts';
import { clipForModel } from '../src/signals/request-embedding.ts';
import { modelsOf, type OutcomeRow } from '../src/training/outcome-rows.ts';
import { splitOutcomes } from '../src/training/outcome-split.ts';
import {
  featurizePrompts,
  type PromptFeatures,
  predictQualities,
  QUALITY_HEAD_RECIPE,
  type QualityRecipe,
  trainQualityHead,
} from '../src/training/quality-head.ts';
import {
  formatReplayTable,
  type ReplayReport,
  renderFrontierSvg,
  replayJson,
} from '../src/training/replay-report.ts';
import { runReplay } from '../src/training/replay-run.ts';
import { ROUTING_PRICES, readRoutingOutcomes } from '../src/training/routing-outcomes.ts';
import { predictedCost, type ReplayInput, type ReplayPoint } from '../src/training/selection-replay.ts';

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    recipe: { type: 'string' },
    seed: { type: 'string' },
    bandit: { type: 'string' },
  },
});
const out = values.out ?? join(tmpdir(), 'selection-eval');
mkdirSync(out, { recursive: true });
const seed = Number(values.seed ?? 1);
const overrides = JSON.parse(values.recipe ?? '{}') as Partial<QualityRecipe> & {
  trainer?: object;
  buckets?: number;
};
const recipe: QualityRecipe = {
  ...QUALITY_HEAD_RECIPE,
  ...overrides,
  lexical: { ...QUALITY_HEAD_RECIPE.lexical, ...(overrides.buckets ? { buckets: overrides.buckets } : {}) },
  trainer: { ...QUALITY_HEAD_RECIPE.trainer, ...(overrides.trainer ?? {}) },
};

const sets = readRoutingOutcomes();
const files = { mmlu: join(out, 'mmlu.jsonl'), mmluPro: join(out, 'mmlu-pro.jsonl') };
const write = (file: string, rows: OutcomeRow[]) =>
  writeFileSync(file, `${rows.map((row) => JSON.stringify(row)).join('\n')}\n`);
write(files.mmlu, sets.mmlu);
write(files.mmluPro, sets.mmluPro);

ensureStaticEncoder(STATIC_ENCODER_DIR, () => {});
const encoder = await sharedModelLibrary().staticEncoder().get();
const train = [...splitOutcomes(sets.mmlu).train, ...splitOutcomes(sets.mmluPro).train];
const labels = modelsOf(train);
console.error(`training the quality head on ${train.length} rows (both files' training sides)…`);
const features = await featurizePrompts(
  train.map((row) => row.prompt),
  encoder,
  recipe.lexical,
  recipe.inputs,
);
const { weights } = trainQualityHead(train, features, labels, recipe, seed);
const trained = {
  weights,
  lexical: recipe.lexical,
  inputs: recipe.inputs,
  description: `a quality head trained on the training sides of both routing files (${train.length} rows, ${labels.length} models)`,
};

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

async function replay(file: string, name: string): Promise<{ report: ReplayReport; input: ReplayInput }> {
  const { report, description, input } = await runReplay({
    outcomes: file,
    prices: ROUTING_PRICES,
    sweep: true,
    sweepPoints: 80,
    encoder,
    trained,
    ...(values.bandit && { bandit: JSON.parse(values.bandit) }),
    seed,
  });
  writeFileSync(
    join(out, `${name}.svg`),
    renderFrontierSvg(report, `quality-cost frontier, held out: ${name}`),
  );
  writeFileSync(
    join(out, `${name}.txt`),
    `${description}\n${formatReplayTable(report)}\n${replayJson(report)}\n`,
  );
  return { report, input };
}

/** The best quality reachable at a cost of at most `cost` along a sweep. */
function qualityAt(points: readonly ReplayPoint[], cost: number): number {
  let best = Number.NEGATIVE_INFINITY;
  for (const p of points) if (p.cost <= cost && p.quality > best) best = p.quality;
  return best;
}

/** Mean and largest quality gap (a − b) at equal cost, over 20 costs between `from` and `to`. */
function gapAtEqualCost(a: readonly ReplayPoint[], b: readonly ReplayPoint[], from: number, to: number) {
  const gaps: number[] = [];
  for (let i = 0; i <= 19; i++) {
    const cost = from + ((to - from) * i) / 19;
    const qa = qualityAt(a, cost);
    const qb = qualityAt(b, cost);
    if (Number.isFinite(qa) && Number.isFinite(qb)) gaps.push(qa - qb);
  }
  return {
    mean: gaps.reduce((s, g) => s + g, 0) / Math.max(1, gaps.length),
    worst: Math.min(...gaps),
  };
}

function compareOnline(report: ReplayReport, from: number, to: number) {
  const bandit = report.online['bandit (warm: head)'] as ReplayPoint[];
  const cold = report.online['bandit (warm: priors)'] as ReplayPoint[];
  const thompson = report.online['thompson (prompt-blind)'] as ReplayPoint[];
  const line = (name: string, g: { mean: number; worst: number }) =>
    `  ${name}: ${(g.mean * 100).toFixed(1)} points on average (${(g.worst * 100).toFixed(1)} at worst)`;
  console.log(line('bandit (warm: head) − cost-aware', gapAtEqualCost(bandit, report.points, from, to)));
  console.log(line('bandit (warm: head) − thompson', gapAtEqualCost(bandit, thompson, from, to)));
  console.log(line('bandit (warm: priors) − cost-aware', gapAtEqualCost(cold, report.points, from, to)));
  console.log(line('bandit (warm: priors) − thompson', gapAtEqualCost(cold, thompson, from, to)));
}

// GPT-4 vs Mixtral on MMLU.
const { report: mmlu, input: mmluInput } = await replay(files.mmlu, 'mmlu');
const GPT4 = 'gpt-4-1106-preview';
const MIXTRAL = 'Mixtral-8x7B-Instruct-v0.1';
const gpt4 = mmlu.baselines[GPT4]?.quality as number;
const mixtral = mmlu.baselines[MIXTRAL]?.quality as number;
const target = 0.95 * gpt4;
const shareNeeded = (points: readonly ReplayPoint[]) => {
  const reaching = points.filter((p) => p.quality >= target).map((p) => p.shares[GPT4] ?? 0);
  return reaching.length === 0 ? Number.NaN : Math.min(...reaching);
};
const heldOut = splitOutcomes(sets.mmlu).heldOut;
const gains = heldOut
  .map((r) => (r.outcomes[GPT4] as number) - (r.outcomes[MIXTRAL] as number))
  .sort((a, b) => b - a);
let oracleQuality = mixtral * heldOut.length;
let oracleShare = 0;
for (const gain of gains) {
  if (oracleQuality / heldOut.length >= target) break;
  oracleQuality += gain;
  oracleShare++;
}
console.log(
  `\nMMLU, GPT-4 vs Mixtral (${heldOut.length} held-out prompts): GPT-4 ${pct(gpt4)}, Mixtral ${pct(mixtral)}; 95% of GPT-4 is ${pct(target)}`,
);
console.log('share of requests sent to GPT-4 to reach it:');
/**
 * The fewest requests sent to GPT-4, taking them in the order of `key` (highest first), that reach
 * the target: the exact frontier of a rule that sends a request to GPT-4 when its key passes a
 * threshold (every threshold, not a grid).
 */
const exactShare = (key: (i: number) => number) => {
  const order = mmluInput.rows.map((_, i) => i).sort((a, b) => key(b) - key(a));
  let quality = mixtral * order.length;
  for (let k = 0; k < order.length; k++) {
    if (quality / order.length >= target) return k / order.length;
    const row = mmluInput.rows[order[k] as number] as OutcomeRow;
    quality += (row.outcomes[GPT4] as number) - (row.outcomes[MIXTRAL] as number);
  }
  return 1;
};
const g = mmluInput.candidates.indexOf(GPT4);
const m = mmluInput.candidates.indexOf(MIXTRAL);
const gain = (i: number) =>
  ((mmluInput.predicted[i] as Float32Array)[g] as number) -
  ((mmluInput.predicted[i] as Float32Array)[m] as number);
const costGap = (i: number) => {
  const row = mmluInput.rows[i] as OutcomeRow;
  return predictedCost(row, GPT4, mmluInput) - predictedCost(row, MIXTRAL, mmluInput);
};
console.log(`  cost-aware (offline head), every λ: ${pct(exactShare((i) => gain(i) / costGap(i)))}`);
console.log(`  cost-aware, λ grid of the replay: ${pct(shareNeeded(mmlu.points))}`);
console.log(
  `  the head's predicted gain alone (a threshold on P(GPT-4 right) − P(Mixtral right), as RouteLLM's routers): ${pct(exactShare(gain))}`,
);
// The n-gram baseline: a logistic regression per model's correctness over word and character n-grams
// (no sentence vector), trained on the MMLU file's training side, routing on the difference.
const ngramRows = (rows: readonly OutcomeRow[]): PromptFeatures[] =>
  rows.map((row) => {
    const none = new Float32Array(1);
    return {
      embedding: none,
      lexical: lexicalFeatures(clipForModel(row.prompt), DEFAULT_LEXICAL_CONFIG),
      encoding: { embedding: none },
    };
  });
const mmluTrain = splitOutcomes(sets.mmlu).train;
const ngram = trainQualityHead(
  mmluTrain,
  ngramRows(mmluTrain),
  [GPT4, MIXTRAL],
  {
    ...recipe,
    lexical: DEFAULT_LEXICAL_CONFIG,
    members: 1,
    trainer: { ...recipe.trainer, hidden: 0, l2: 1e-4, maxEpochs: 30, patience: 3 },
  },
  seed,
);
const ngramPredicted = predictQualities(ngram.weights, ngramRows(mmluInput.rows));
console.log(
  `  n-gram logistic regressions (one per model, on the MMLU training side), routing on the difference: ${pct(exactShare((i) => ((ngramPredicted[i] as Float32Array)[0] as number) - ((ngramPredicted[i] as Float32Array)[1] as number)))}`,
);
for (const [name, points] of Object.entries(mmlu.online))
  console.log(`  ${name}: ${pct(shareNeeded(points))}`);
console.log(`  random: ${pct((target - mixtral) / (gpt4 - mixtral))}`);
console.log(`  oracle: ${pct(oracleShare / heldOut.length)}`);
compareOnline(mmlu, mmlu.baselines[MIXTRAL]?.cost as number, mmlu.baselines[GPT4]?.cost as number);

// 29 models on MMLU-Pro.
const { report: pro } = await replay(files.mmluPro, 'mmlu-pro');
const singles = Object.entries(pro.baselines).filter(([name]) => name !== 'random' && name !== 'oracle');
const [bestName, best] = singles.reduce((a, b) =>
  b[1].quality > a[1].quality || (b[1].quality === a[1].quality && b[1].cost < a[1].cost) ? b : a,
);
const costToMatch = (points: readonly ReplayPoint[]) => {
  const reaching = points.filter((p) => p.quality >= best.quality).map((p) => p.cost);
  return reaching.length === 0 ? Number.NaN : Math.min(...reaching);
};
console.log(
  `\nMMLU-Pro, 29 models (${splitOutcomes(sets.mmluPro).heldOut.length} held-out prompts): best single model ${bestName} ${pct(best.quality)} at $${best.cost.toFixed(4)}/1k`,
);
console.log('cost of reaching its accuracy, as a share of its cost:');
console.log(`  cost-aware (offline head): ${pct(costToMatch(pro.points) / best.cost)}`);
for (const [name, points] of Object.entries(pro.online))
  console.log(`  ${name}: ${pct(costToMatch(points) / best.cost)}`);
console.log(
  `  oracle: ${pct((pro.baselines.oracle?.cost as number) / best.cost)} (at ${pct(pro.baselines.oracle?.quality as number)})`,
);
const cheapest = Math.min(...singles.map(([, b]) => b.cost));
compareOnline(pro, cheapest, best.cost);
console.log('\nfrontier (cost-aware, MMLU-Pro):');
for (const p of pro.points.filter((_, i) => i % 8 === 0))
  console.log(`  λ ${String(p.lambda).padEnd(10)} ${pct(p.quality)} $${p.cost.toFixed(4)}/1k`);
console.log(`\ntables, plots and JSON: ${out}`);
