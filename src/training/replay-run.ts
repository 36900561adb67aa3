import type { Embedder } from '../models/embedder.ts';
import type { HeadInputs } from '../models/heads/head-card.ts';
import type { HeadWeights } from '../models/heads/head-weights.ts';
import type { LexicalConfig } from '../models/heads/lexical-featurizer.ts';
import { loadTextClassifier } from '../models/heads/load-text-classifier.ts';
import { clipForModel } from '../signals/request-embedding.ts';
import {
  DEFAULT_OUTPUT_TOKENS,
  modelsOf,
  type OutcomeRow,
  readOutcomeRows,
  readPriceTable,
} from './outcome-rows.ts';
import { splitOutcomes } from './outcome-split.ts';
import {
  featurizePrompts,
  type PromptFeatures,
  predictQualities,
  QUALITY_HEAD_RECIPE,
  trainQualityHead,
} from './quality-head.ts';
import type { ReplayReport } from './replay-report.ts';
import {
  type BanditSettings,
  lambdaGrid,
  type ReplayInput,
  replayBandit,
  replayBaselines,
  replayCostAware,
  replayThompson,
} from './selection-replay.ts';

/** What a policy says about the decision replayed: its candidates, the quality head, how head labels map to them, λ. */
export interface ReplayPolicy {
  candidates: string[];
  headDir: string;
  /** The head's label for each candidate (`quality.predictedAs`, or its name). */
  headLabels: Record<string, string>;
  lambda: number;
  bandit: BanditSettings;
  /** The candidates' context windows in the policy's catalog (those that have one). */
  contextWindows: Record<string, number>;
}

export interface ReplayOptions {
  outcomes: string;
  prices: string;
  sweep: boolean;
  /** λ of a single run (no sweep); the policy's, or 1. */
  lambda?: number;
  /** λ values in a sweep (default 25). */
  sweepPoints?: number;
  encoder: Embedder;
  policy?: ReplayPolicy;
  /** Further outcome files whose training side trains the quality head too (without a policy). */
  trainAlso?: string[];
  /** The bandit's exploration and prior weight (the policy's, or the `bandit` method's defaults). */
  bandit?: BanditSettings;
  /** A quality head already trained (on training sides only), used instead of training one. */
  trained?: { weights: HeadWeights; lexical: LexicalConfig; inputs: HeadInputs; description: string };
  seed: number;
}

const DEFAULT_BANDIT: BanditSettings = { exploration: 0.05, priorWeight: 40 };

function meanBy(
  rows: readonly OutcomeRow[],
  pick: (row: OutcomeRow) => number | undefined,
): number | undefined {
  let sum = 0;
  let n = 0;
  for (const row of rows) {
    const value = pick(row);
    if (value === undefined) continue;
    sum += value;
    n++;
  }
  return n === 0 ? undefined : sum / n;
}

/**
 * `semantic-router replay`: replays the held-out side of an outcome file through cost-aware
 * selection (each λ of the sweep), the bandit learning online in one pass with bandit feedback
 * (warm-started from the quality head, and from prompt-blind priors), and a prompt-blind Thompson
 * sampler, against each single model, random choice and the oracle. Without a policy, the quality
 * head is trained here on the file's training side (and that of `trainAlso`); with one, the
 * policy's head and decision are used as they are.
 */
export async function runReplay(
  options: ReplayOptions,
  log: (line: string) => void = () => {},
): Promise<{ report: ReplayReport; description: string; input: ReplayInput }> {
  const rows = readOutcomeRows(options.outcomes);
  const prices = readPriceTable(options.prices);
  const { train, heldOut } = splitOutcomes(rows);
  if (heldOut.length === 0) throw new Error(`${options.outcomes}: no row falls on the held-out side`);
  const candidates = options.policy?.candidates ?? modelsOf(rows);
  const unpriced = candidates.filter((model) => prices.prices[model] === undefined);
  if (unpriced.length > 0) throw new Error(`no price for ${unpriced.join(', ')} in ${options.prices}`);
  let predicted: Float32Array[];
  let embeddings: Float32Array[];
  let description: string;
  if (options.policy) {
    const head = await loadTextClassifier(options.policy.headDir);
    const encodings = await featurizePrompts(
      heldOut.map((row) => row.prompt),
      options.encoder,
      head.card.lexical,
      head.card.inputs,
    );
    embeddings = encodings.map((e) => e.encoding.embedding);
    const verdicts = await head.classify(
      heldOut.map((row, i) => ({
        text: clipForModel(row.prompt),
        ...(encodings[i] as PromptFeatures).encoding,
      })),
    );
    const labels = options.policy.headLabels;
    predicted = verdicts.map((v) =>
      Float32Array.from(candidates, (model) => v.scores[labels[model] ?? model] ?? 0.5),
    );
    description = `the policy's quality head (${head.id}) over ${heldOut.length} held-out rows`;
  } else if (options.trained) {
    const { weights, lexical, inputs } = options.trained;
    const heldOutFeatures = await featurizePrompts(
      heldOut.map((row) => row.prompt),
      options.encoder,
      lexical,
      inputs,
    );
    embeddings = heldOutFeatures.map((f) => f.encoding.embedding);
    predicted = predictQualities(weights, heldOutFeatures).map((p) =>
      Float32Array.from(candidates, (model) => p[weights.labels.indexOf(model)] ?? 0.5),
    );
    description = `${options.trained.description}, evaluated on ${heldOut.length} held-out rows it never saw`;
  } else {
    const extra = (options.trainAlso ?? []).flatMap((file) => splitOutcomes(readOutcomeRows(file)).train);
    const trainRows = [...train, ...extra];
    const labels = modelsOf(trainRows);
    log(`training the quality head on ${trainRows.length} rows (the training side)…`);
    const recipe = QUALITY_HEAD_RECIPE;
    const features = await featurizePrompts(
      trainRows.map((row) => row.prompt),
      options.encoder,
      recipe.lexical,
      recipe.inputs,
    );
    const { weights } = trainQualityHead(trainRows, features, labels, recipe, options.seed);
    const heldOutFeatures = await featurizePrompts(
      heldOut.map((row) => row.prompt),
      options.encoder,
      recipe.lexical,
      recipe.inputs,
    );
    embeddings = heldOutFeatures.map((f) => f.encoding.embedding);
    const all = predictQualities(weights, heldOutFeatures);
    predicted = all.map((p) => Float32Array.from(candidates, (model) => p[labels.indexOf(model)] ?? 0.5));
    description = `a quality head trained on the training side of the file${extra.length ? ` and of ${options.trainAlso?.length} more` : ''} (${trainRows.length} rows), evaluated on ${heldOut.length} held-out rows it never saw`;
  }
  const expectedOutputTokens: Record<string, number> = {};
  const priors: Record<string, number> = {};
  for (const model of candidates) {
    expectedOutputTokens[model] =
      meanBy(train, (row) => row.output_tokens?.[model] || undefined) ?? DEFAULT_OUTPUT_TOKENS;
    priors[model] = meanBy(train, (row) => row.outcomes[model]) ?? 0.5;
  }
  const input: ReplayInput = {
    rows: heldOut,
    candidates,
    prices,
    predicted,
    embeddings,
    expectedOutputTokens,
    priors,
    ...(options.policy && { contextWindows: options.policy.contextWindows }),
  };
  const lambdas = options.sweep
    ? lambdaGrid(input, options.sweepPoints ?? 25)
    : [options.lambda ?? options.policy?.lambda ?? 1];
  const bandit = options.policy?.bandit ?? options.bandit ?? DEFAULT_BANDIT;
  const report: ReplayReport = {
    method: 'cost-aware',
    points: lambdas.map((lambda) => replayCostAware(input, lambda)),
    online: {
      'bandit (warm: head)': lambdas.map((lambda) =>
        replayBandit(input, lambda, bandit, 'head', options.seed),
      ),
      'bandit (warm: priors)': lambdas.map((lambda) =>
        replayBandit(input, lambda, bandit, 'priors', options.seed),
      ),
      'thompson (prompt-blind)': lambdas.map((lambda) => replayThompson(input, lambda, options.seed)),
    },
    baselines: replayBaselines(input),
  };
  return {
    report,
    input,
    description: `cost-aware selection with ${description}; the bandits and the Thompson sampler learn online in one pass over the held-out rows, seeing only the chosen model's outcome; cost in USD per 1,000 requests`,
  };
}
