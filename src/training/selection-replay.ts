import { seededRandom } from '../models/seeded-random.ts';
import { ArmStore } from '../selection/arm-store.ts';
import {
  banditFeatures,
  DecisionBandit,
  explorationBonus,
  promptProjections,
} from '../selection/bandit-selection.ts';
import { DEFAULT_OUTPUT_TOKENS, estimateTokens, type OutcomeRow, type PriceTable } from './outcome-rows.ts';

/** One point of a sweep: λ, mean quality, mean cost (USD per 1,000 requests), each model's share of requests. */
export interface ReplayPoint {
  lambda: number;
  quality: number;
  cost: number;
  shares: Record<string, number>;
}

/** What a replay compares: each row's outcomes, the candidates' predicted qualities, prices. */
export interface ReplayInput {
  rows: readonly OutcomeRow[];
  candidates: readonly string[];
  prices: PriceTable;
  /** Predicted quality of each candidate (in `candidates` order) for row i. */
  predicted: readonly Float32Array[];
  /** Row i's sentence vector (the bandit's projections read it). */
  embeddings: readonly Float32Array[];
  /** Output tokens each candidate is expected to write (what the router would have learnt), for predicted costs. */
  expectedOutputTokens: Record<string, number>;
  /** A prompt-blind prior quality per candidate (its training-side mean), for the bandit started from priors. */
  priors: Record<string, number>;
  /**
   * The candidates' context windows (a policy's catalog): a row is offered only the candidates whose
   * window holds its prompt, or the largest when none does, as the router's selection does.
   */
  contextWindows?: Record<string, number>;
}

/** Bandit settings as the `bandit` method's defaults. */
export interface BanditSettings {
  exploration: number;
  priorWeight: number;
  /** LinUCB (the default) or linear Thompson sampling (see the `bandit` method's `sampling`). */
  sampling?: 'upper-bound' | 'thompson';
}

/** USD per 1,000 requests of answering `row` with `model`: what it really cost (its output tokens). */
function actualCost(row: OutcomeRow, model: string, prices: PriceTable): number {
  const price = prices.prices[model];
  if (!price) throw new Error(`no price for ${model}`);
  const output = row.output_tokens?.[model] || DEFAULT_OUTPUT_TOKENS;
  return ((estimateTokens(row.prompt) * price.input + output * price.output) / 1e6) * 1000;
}

/** What the router predicts it would cost: the prompt's tokens and the model's expected output. */
export function predictedCost(row: OutcomeRow, model: string, input: ReplayInput): number {
  const price = input.prices.prices[model];
  if (!price) throw new Error(`no price for ${model}`);
  const output = input.expectedOutputTokens[model] ?? DEFAULT_OUTPUT_TOKENS;
  return ((estimateTokens(row.prompt) * price.input + output * price.output) / 1e6) * 1000;
}

/**
 * Candidates with an outcome in the row (indices into `candidates`) that a selector would be offered:
 * those whose context window holds the prompt, or the one with the largest window when none does.
 */
export function available(
  row: OutcomeRow,
  input: Pick<ReplayInput, 'candidates' | 'contextWindows'>,
): number[] {
  const out: number[] = [];
  input.candidates.forEach((model, k) => {
    if (row.outcomes[model] !== undefined) out.push(k);
  });
  const windows = input.contextWindows;
  if (!windows || out.length === 0) return out;
  const window = (k: number) => windows[input.candidates[k] as string] ?? Number.POSITIVE_INFINITY;
  const tokens = estimateTokens(row.prompt);
  const fits = out.filter((k) => window(k) >= tokens);
  if (fits.length > 0) return fits;
  return [out.reduce((a, b) => (window(b) > window(a) ? b : a))];
}

class Tally {
  quality = 0;
  cost = 0;
  rows = 0;
  readonly counts: number[];
  constructor(private readonly candidates: readonly string[]) {
    this.counts = candidates.map(() => 0);
  }
  add(row: OutcomeRow, k: number, prices: PriceTable): void {
    const model = this.candidates[k] as string;
    this.quality += row.outcomes[model] ?? 0;
    this.cost += actualCost(row, model, prices);
    this.counts[k] = (this.counts[k] as number) + 1;
    this.rows++;
  }
  point(lambda: number): ReplayPoint {
    const shares: Record<string, number> = {};
    this.candidates.forEach((model, k) => {
      const count = this.counts[k] as number;
      if (count > 0) shares[model] = round(count / this.rows);
    });
    return { lambda, quality: round(this.quality / this.rows), cost: round(this.cost / this.rows), shares };
  }
}

function round(value: number): number {
  return Number(value.toPrecision(5));
}

function argmax(indices: readonly number[], score: (k: number) => number): number {
  let best = indices[0] as number;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (const k of indices) {
    const s = score(k);
    if (s > bestScore) {
      best = k;
      bestScore = s;
    }
  }
  return best;
}

/** Offline cost-aware selection: each row's best predicted quality − λ × predicted cost. */
export function replayCostAware(input: ReplayInput, lambda: number): ReplayPoint {
  const tally = new Tally(input.candidates);
  input.rows.forEach((row, i) => {
    const q = input.predicted[i] as Float32Array;
    const k = argmax(
      available(row, input),
      (k) => (q[k] as number) - lambda * predictedCost(row, input.candidates[k] as string, input),
    );
    tally.add(row, k, input.prices);
  });
  return tally.point(lambda);
}

/**
 * The `bandit` method learning online in one pass over the rows (in a seeded random order) with
 * bandit feedback: only the chosen model's outcome is revealed and learnt from. Warm-started on the
 * quality head's predictions (`from: 'head'`) or on each model's prompt-blind prior (`'priors'`).
 */
export function replayBandit(
  input: ReplayInput,
  lambda: number,
  settings: BanditSettings,
  from: 'head' | 'priors',
  seed = 1,
): ReplayPoint {
  const bandit = new DecisionBandit('replay', new ArmStore(undefined), settings.priorWeight);
  const tally = new Tally(input.candidates);
  const order = input.rows.map((_, i) => i);
  shuffle(order, seededRandom(seed));
  const draws = seededRandom(seed + 1);
  for (const i of order) {
    const row = input.rows[i] as OutcomeRow;
    const q = input.predicted[i] as Float32Array;
    const projections = promptProjections(input.embeddings[i]);
    const features = input.candidates.map((model, k) =>
      banditFeatures(from === 'head' ? (q[k] as number) : (input.priors[model] ?? 0.5), projections),
    );
    const k = argmax(available(row, input), (k) => {
      const model = input.candidates[k] as string;
      const p = bandit.predict(model, features[k] as number[]);
      return p.mean + explorationBonus(settings, p.width, draws) - lambda * predictedCost(row, model, input);
    });
    const model = input.candidates[k] as string;
    bandit.learn(model, features[k] as number[], row.outcomes[model] ?? 0);
    tally.add(row, k, input.prices);
  }
  return tally.point(lambda);
}

/** A Thompson sampler per model that ignores the prompt (Beta posterior of each model's success rate), in one pass with bandit feedback. */
export function replayThompson(input: ReplayInput, lambda: number, seed = 1): ReplayPoint {
  const random = seededRandom(seed);
  const wins = input.candidates.map(() => 1);
  const losses = input.candidates.map(() => 1);
  const tally = new Tally(input.candidates);
  const order = input.rows.map((_, i) => i);
  shuffle(order, seededRandom(seed));
  for (const i of order) {
    const row = input.rows[i] as OutcomeRow;
    const k = argmax(
      available(row, input),
      (k) =>
        betaSample(wins[k] as number, losses[k] as number, random) -
        lambda * predictedCost(row, input.candidates[k] as string, input),
    );
    const outcome = row.outcomes[input.candidates[k] as string] ?? 0;
    wins[k] = (wins[k] as number) + outcome;
    losses[k] = (losses[k] as number) + 1 - outcome;
    tally.add(row, k, input.prices);
  }
  return tally.point(lambda);
}

/** The baselines that need no λ: each model alone, a uniformly random choice, and the oracle (the cheapest model that answers best). */
export function replayBaselines(input: ReplayInput): Record<string, { quality: number; cost: number }> {
  const out: Record<string, { quality: number; cost: number }> = {};
  input.candidates.forEach((model, k) => {
    const tally = new Tally(input.candidates);
    for (const row of input.rows) if (row.outcomes[model] !== undefined) tally.add(row, k, input.prices);
    if (tally.rows > 0)
      out[model] = { quality: round(tally.quality / tally.rows), cost: round(tally.cost / tally.rows) };
  });
  let quality = 0;
  let cost = 0;
  const oracle = new Tally(input.candidates);
  for (const row of input.rows) {
    const ks = available(row, input);
    for (const k of ks) {
      const model = input.candidates[k] as string;
      quality += (row.outcomes[model] as number) / ks.length;
      cost += actualCost(row, model, input.prices) / ks.length;
    }
    const bestQuality = Math.max(...ks.map((k) => row.outcomes[input.candidates[k] as string] as number));
    const best = ks.filter((k) => row.outcomes[input.candidates[k] as string] === bestQuality);
    oracle.add(
      row,
      argmax(best, (k) => -actualCost(row, input.candidates[k] as string, input.prices)),
      input.prices,
    );
  }
  out.random = { quality: round(quality / input.rows.length), cost: round(cost / input.rows.length) };
  const o = oracle.point(0);
  out.oracle = { quality: o.quality, cost: o.cost };
  return out;
}

/**
 * The λ values of a sweep: 0, then a geometric grid (a factor of 30 either side) around the λ at
 * which 0.2 of quality is worth the gap between the candidates' mean predicted costs, so that both
 * ends, best model and cheapest model, are reached; `count` values in all.
 */
export function lambdaGrid(input: ReplayInput, count: number): number[] {
  const costs = input.candidates.map((model) => {
    let sum = 0;
    for (const row of input.rows) sum += predictedCost(row, model, input);
    return sum / input.rows.length;
  });
  const spread = Math.max(...costs) - Math.min(...costs);
  const centre = spread > 0 ? 0.2 / spread : 1;
  const lambdas = [0];
  for (let i = 0; i < count - 1; i++)
    lambdas.push(round(centre * 10 ** (-2 + (4 * i) / Math.max(1, count - 2))));
  return lambdas;
}

function shuffle(values: number[], random: () => number): void {
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [values[i], values[j]] = [values[j] as number, values[i] as number];
  }
}

/** A Beta(a, b) sample from two Gamma samples (Marsaglia and Tsang). */
function betaSample(a: number, b: number, random: () => number): number {
  const x = gammaSample(a, random);
  const y = gammaSample(b, random);
  return x / (x + y);
}

function gammaSample(shape: number, random: () => number): number {
  if (shape < 1) return gammaSample(shape + 1, random) * random() ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      // Standard normal by Box-Muller.
      x = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = random();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}
