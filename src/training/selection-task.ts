import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Embedder } from '../models/embedder.ts';
import { HEAD_FILES, type HeadCard } from '../models/heads/head-card.ts';
import { encodeHeadModel } from '../models/heads/head-graph.ts';
import { MODELS_DIR, sha256 } from '../models/model-files.ts';
import { modelsOf, type OutcomeRow, readOutcomeRows } from './outcome-rows.ts';
import { OUTCOME_SPLIT, OUTCOME_SPLIT_RULE, splitOutcomes } from './outcome-split.ts';
import {
  featurizePrompts,
  predictQualities,
  QUALITY_HEAD_RECIPE,
  type QualityRecipe,
  trainQualityHead,
} from './quality-head.ts';

/** Where the shipped quality head lives. */
export const SELECTION_HEAD_DIR = join(MODELS_DIR, 'selection');

/** What the card says the head predicts for a model it never saw. */
const UNKNOWN_MODELS =
  "A model the head was not trained on gets the catalog's `quality.byDomain` for the request's domain, else its `quality.prior`, else the mean of the head's predictions for the prompt over the models it knows; `quality.predictedAs` makes the head's prediction for a model it knows stand for one it does not (e.g. an older release of the same family).";

/** Held-out log loss and accuracy (at 0.5) of each model's prediction, over the rows that have its outcome. */
function heldOutMetrics(
  rows: readonly OutcomeRow[],
  predictions: readonly Float32Array[],
  models: readonly string[],
): Record<
  string,
  { rows: number; logLoss: number; accuracy: number; meanPredicted: number; meanActual: number }
> {
  const out: Record<
    string,
    { rows: number; logLoss: number; accuracy: number; meanPredicted: number; meanActual: number }
  > = {};
  models.forEach((model, k) => {
    let n = 0;
    let loss = 0;
    let right = 0;
    let predicted = 0;
    let actual = 0;
    rows.forEach((row, i) => {
      const y = row.outcomes[model];
      if (y === undefined) return;
      const p = Math.min(1 - 1e-6, Math.max(1e-6, (predictions[i] as Float32Array)[k] as number));
      n++;
      loss -= y * Math.log(p) + (1 - y) * Math.log(1 - p);
      if (p >= 0.5 === y >= 0.5) right++;
      predicted += p;
      actual += y;
    });
    if (n === 0) return;
    const round = (v: number) => Number(v.toFixed(4));
    out[model] = {
      rows: n,
      logLoss: round(loss / n),
      accuracy: round(right / n),
      meanPredicted: round(predicted / n),
      meanActual: round(actual / n),
    };
  });
  return out;
}

/**
 * `semantic-router train selection --outcomes FILE...`: trains the quality head (P(answers well)
 * per model, from the prompt) on the training side of the outcome files (the split by group of
 * `outcome-split.ts`, the same one `replay` and the evaluation use, so a question held out in one
 * file is held out in every file) and writes `head.onnx`, `card.json` and `README.md` to `out`.
 */
export async function trainSelectionHead(
  options: { files: readonly string[]; out: string; encoder: Embedder; seed: number; recipe?: QualityRecipe },
  log: (line: string) => void = () => {},
): Promise<HeadCard> {
  const recipe = options.recipe ?? QUALITY_HEAD_RECIPE;
  const rows = options.files.flatMap((file) => readOutcomeRows(file));
  const { train, heldOut } = splitOutcomes(rows);
  const models = modelsOf(train);
  log(`${train.length} training rows, ${heldOut.length} held out, ${models.length} models`);
  const started = performance.now();
  const features = await featurizePrompts(
    train.map((row) => row.prompt),
    options.encoder,
    recipe.lexical,
    recipe.inputs,
  );
  const { weights, bestEpochs } = trainQualityHead(
    train,
    features,
    models,
    recipe,
    options.seed,
    (member, epoch) => log(`member ${member + 1}/${recipe.members}: best epoch ${epoch}`),
  );
  const heldOutFeatures = await featurizePrompts(
    heldOut.map((row) => row.prompt),
    options.encoder,
    recipe.lexical,
    recipe.inputs,
  );
  const metrics = heldOutMetrics(heldOut, predictQualities(weights, heldOutFeatures), models);
  mkdirSync(options.out, { recursive: true });
  const model = encodeHeadModel(weights, { name: 'selection', encoder: options.encoder.id });
  writeFileSync(join(options.out, HEAD_FILES.model), model);
  const card: HeadCard = {
    name: 'selection',
    description:
      'Predicts, for each model it was trained on, the probability that the model answers this prompt well (sigmoid per model). The `cost-aware` and `bandit` selection methods read it.',
    labels: models,
    activation: 'sigmoid',
    encoder: {
      name: options.encoder.id.split('@')[0] as string,
      id: options.encoder.id,
      dimensions: options.encoder.dimensions,
    },
    lexical: recipe.lexical,
    hidden: weights.hidden,
    inputs: recipe.inputs,
    files: { [HEAD_FILES.model]: sha256(model) },
    data: options.files.map((file) => {
      const bytes = readFileSync(file);
      const lines = bytes
        .toString('utf8')
        .split('\n')
        .filter((l) => l.trim() !== '').length;
      return { file: basename(file), sha256: sha256(bytes), rows: lines };
    }),
    split: {
      rule: OUTCOME_SPLIT_RULE,
      salt: OUTCOME_SPLIT.salt,
      validationPercent: OUTCOME_SPLIT.validationPercent,
      trainRows: train.length,
      validationRows: heldOut.length,
    },
    training: {
      recipe: { ...recipe, trainer: { ...recipe.trainer, seed: options.seed } },
      bestEpochs,
      seconds: Math.round((performance.now() - started) / 1000),
      unknownModels: UNKNOWN_MODELS,
    },
    metrics: { heldOut: metrics },
  };
  writeFileSync(join(options.out, HEAD_FILES.card), `${JSON.stringify(card, null, 2)}\n`);
  writeFileSync(join(options.out, HEAD_FILES.readme), renderReadme(card, metrics));
  return card;
}

function renderReadme(card: HeadCard, metrics: ReturnType<typeof heldOutMetrics>): string {
  const lines = [
    '# selection head',
    '',
    card.description,
    '',
    `- Models (${card.labels.length}): ${card.labels.join(', ')}`,
    `- Reads: sentence vectors of \`${card.encoder.name}\` (${card.encoder.dimensions} dimensions; trained with \`${card.encoder.id}\`) and hashed lexical features (${card.lexical.buckets} buckets, word 1..${card.lexical.wordNgrams}-grams, character ${card.lexical.charNgrams?.join('..') ?? 'no'}-grams).`,
    `- Model: the logit average of ${(card.training.bestEpochs as number[]).length} MLPs (one sigmoid output per model), ${card.hidden} hidden units in all; lexical table in float16. \`head.onnx\` SHA-256 \`${card.files[HEAD_FILES.model]}\`.`,
    `- Models it was not trained on: ${UNKNOWN_MODELS}`,
    '',
    '## Data',
    '',
    ...card.data.map((d) => `- \`${d.file}\`: ${d.rows} rows, SHA-256 \`${d.sha256}\``),
    '',
    `Split: ${card.split.rule}. ${card.split.trainRows} training rows, ${card.split.validationRows} held out (never trained on).`,
    '',
    '## Held-out metrics (per model: rows with its outcome, log loss, accuracy at 0.5, mean predicted vs actual)',
    '',
    '```',
    ...Object.entries(metrics).map(
      ([model, m]) =>
        `${model.padEnd(28)} ${String(m.rows).padStart(5)}  loss ${m.logLoss.toFixed(4)}  acc ${(m.accuracy * 100).toFixed(1)}%  ${m.meanPredicted.toFixed(3)} vs ${m.meanActual.toFixed(3)}`,
    ),
    '```',
    '',
    'The routing figures (quality and cost on the held-out rows, against baselines) are in BENCHMARKS.md, measured with `npm run eval:selection`.',
    '',
    'Reproduce with `semantic-router train selection --outcomes FILE...` over the outcome files that `scripts/routing-outcomes.ts` writes from the shared routing data.',
    '',
  ];
  return lines.join('\n');
}
