import { z } from 'zod';
import type { RouterRequest, TextScope } from '../request/router-request.ts';
import { type BoundHead, prepareHead, requestVerdict } from '../signals/classifier-verdict.ts';
import { requestEncoding } from '../signals/request-embedding.ts';
import type { SignalResult } from '../signals/signal.ts';
import type { LearningHub } from './learning-hub.ts';
import type { ModelSpec } from './model-spec.ts';
import type { SelectorContext } from './selector.ts';

/** Output tokens assumed for a model with no `expectedOutputTokens` and no response seen yet. */
const DEFAULT_OUTPUT_TOKENS = 256;

/** Quality assumed for a model nobody predicts (no head output, no catalog prior). */
const UNKNOWN_QUALITY = 0.5;

/** The folder of the shipped quality head (`models/selection`). */
const SHIPPED_HEAD = 'selection';

/** The parameters of the quality estimate, shared by `cost-aware` and `bandit`. */
export const QUALITY_PARAMS = {
  latencyWeight: z
    .number()
    .min(0)
    .default(0)
    .describe(
      "Quality (0..1) given up per second of a candidate's expected latency (the running average of its complete responses, end to end); 0 ignores latency.",
    ),
  model: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Folder of a quality head trained with `semantic-router train selection` (relative to the policy file); the shipped head by default.',
    ),
  scope: z
    .enum(['last-user', 'user', 'conversation'])
    .default('last-user')
    .describe('Which messages the quality head reads (at most 8192 characters: the start and the end).'),
};

/** One candidate's predicted quality (0..1) and cost (USD per 1,000 requests like this one), and where the quality came from. */
export interface CandidateEstimate {
  model: ModelSpec;
  quality: number;
  qualityFrom: 'head' | 'domain prior' | 'prior' | 'head mean' | 'unknown';
  cost: number;
  /** Seconds its responses took on average (complete 2xx ones, end to end); 0 before any. */
  latency: number;
}

/**
 * Predicts each candidate's quality for a request and what it would cost. Quality comes from the
 * quality head (P(answers well), for the head's model the catalog names in `quality.predictedAs`, or
 * the model's own name), else the catalog's prior for the request's domain (a `domain` signal's
 * label), else its `quality.prior`, else the head's mean over the models it knows, else 0.5. Cost is
 * the prompt's tokens (counted, or estimated as characters / 4) at the input price plus the expected
 * output tokens at the output price; a model without prices costs 0. A head that failed to load
 * leaves the priors (its load failure is counted where models load).
 */
export class CandidateEstimator {
  readonly #head: Promise<BoundHead> | undefined;
  readonly #scope: TextScope;

  constructor(
    params: { model?: string | undefined; scope: TextScope },
    context: SelectorContext,
    private readonly hub: LearningHub,
  ) {
    this.#scope = params.scope;
    const prepared = prepareHead(
      SHIPPED_HEAD,
      [],
      { model: params.model, labels: [] },
      context.signalContext,
    );
    this.#head = prepared.head;
  }

  /** The head's probabilities by model name for this request, or undefined when the head is unavailable. */
  async headScores(request: RouterRequest): Promise<Record<string, number> | undefined> {
    if (!this.#head) return undefined;
    try {
      const head = await this.#head;
      return (await requestVerdict(request, head, this.#scope)).scores;
    } catch {
      return undefined;
    }
  }

  /** The request's sentence vector under the head's encoder (the one encoding signals share), or undefined without a head. */
  async embedding(request: RouterRequest): Promise<Float32Array | undefined> {
    if (!this.#head) return undefined;
    try {
      const head = await this.#head;
      return (await requestEncoding(request, head.embedder, this.#scope)).embedding;
    } catch {
      return undefined;
    }
  }

  async estimate(
    request: RouterRequest,
    models: readonly ModelSpec[],
    signals: ReadonlyMap<string, SignalResult>,
  ): Promise<CandidateEstimate[]> {
    const scores = await this.headScores(request);
    const domain = requestDomain(signals);
    const promptTokens = request.tokens.exact ?? Math.ceil(request.textChars / 4);
    let mean: number | undefined;
    const headMean = () => {
      if (mean === undefined && scores) {
        const values = Object.values(scores);
        mean = values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
      }
      return mean;
    };
    return models.map((model) => {
      const output =
        model.expectedOutputTokens ?? this.hub.expectedOutputTokens(model.name) ?? DEFAULT_OUTPUT_TOKENS;
      const latency = this.hub.expectedLatency(model.name) ?? 0;
      const pricing = model.pricing;
      const cost = pricing
        ? ((promptTokens * pricing.inputPerMillion + output * pricing.outputPerMillion) / 1e6) * 1000
        : 0;
      const fromHead = scores?.[model.quality?.predictedAs ?? model.name];
      if (fromHead !== undefined) return { model, quality: fromHead, qualityFrom: 'head', cost, latency };
      const byDomain = domain === undefined ? undefined : model.quality?.byDomain?.[domain];
      if (byDomain !== undefined)
        return { model, quality: byDomain, qualityFrom: 'domain prior', cost, latency };
      if (model.quality?.prior !== undefined)
        return { model, quality: model.quality.prior, qualityFrom: 'prior', cost, latency };
      const fallback = headMean();
      if (fallback !== undefined)
        return { model, quality: fallback, qualityFrom: 'head mean', cost, latency };
      return { model, quality: UNKNOWN_QUALITY, qualityFrom: 'unknown', cost, latency };
    });
  }
}

/** The domain label a `domain` signal predicted for the request (its first evidence), if one ran. */
function requestDomain(signals: ReadonlyMap<string, SignalResult>): string | undefined {
  for (const [key, result] of signals) {
    if (key.startsWith('domain:') && !result.error && result.evidence?.[0] !== undefined)
      return result.evidence[0];
  }
  return undefined;
}

/** A candidate's estimate in a few characters, for `x-router-reason` and `explain`. */
export function describeEstimate(e: CandidateEstimate, score: number, extra = ''): string {
  const latency = e.latency > 0 ? ` ${e.latency.toFixed(3)}s` : '';
  return `${e.model.name} q ${e.quality.toFixed(3)}${e.qualityFrom === 'head' ? '' : ` (${e.qualityFrom})`} cost $${e.cost.toFixed(4)}/1k${latency}${extra} score ${score.toFixed(3)}`;
}
