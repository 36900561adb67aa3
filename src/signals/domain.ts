import { z } from 'zod';
import { HEAD_PARAMS, prepareHead, requestVerdict } from './classifier-verdict.ts';
import { defineSignal, type SignalResult } from './signal.ts';

/** The labels of the shipped domain head: the 14 MMLU-Pro categories. */
export const DOMAIN_LABELS = [
  'biology',
  'business',
  'chemistry',
  'computer science',
  'economics',
  'engineering',
  'health',
  'history',
  'law',
  'math',
  'other',
  'philosophy',
  'physics',
  'psychology',
] as const;

const Params = z
  .object({
    labels: z
      .array(z.string().min(1))
      .min(1)
      .describe(
        `Domains that match. The shipped head knows ${DOMAIN_LABELS.join(', ')}; a head you train knows your labels.`,
      ),
    minConfidence: z
      .number()
      .min(0)
      .max(1)
      .default(0)
      .describe(
        "Lowest probability of the predicted domain that matches (the head's probabilities sum to 1).",
      ),
    ...HEAD_PARAMS,
  })
  .strict();

type DomainParams = z.infer<typeof Params>;

/**
 * What the prompt is about, by a trained head over the sentence vector and the prompt's words.
 * Matches when the most probable domain is listed and its probability reaches `minConfidence`.
 */
export const domainSignal = defineSignal({
  type: 'domain',
  waitsOnModel: true,
  description:
    'Classifies the prompt into a domain (shipped head: the 14 MMLU-Pro categories) and matches the listed ones; evidence is the predicted domain and its probability.',
  params: Params,
  create(raw, context) {
    const params = raw as DomainParams;
    const { head } = prepareHead('domain', DOMAIN_LABELS, params, context);
    const labels = new Set(params.labels);
    return {
      async evaluate(request): Promise<SignalResult> {
        const verdict = await requestVerdict(request, await head, params.scope);
        const score = Math.round(verdict.score * 1000) / 1000;
        const listed = labels.has(verdict.label);
        return {
          matched: listed && verdict.score >= params.minConfidence,
          confidence: listed ? verdict.score : 0,
          value: score,
          evidence: [verdict.label, `p ${score}`],
        };
      },
    };
  },
  relate(a, b) {
    if (a.scope !== b.scope || a.model !== b.model) return 'unknown';
    // One domain is predicted per text: signals with no domain in common never both match.
    if (!a.labels.some((label) => b.labels.includes(label))) return 'disjoint';
    const implies = a.labels.every((label) => b.labels.includes(label)) && a.minConfidence >= b.minConfidence;
    return implies ? 'implies' : 'unknown';
  },
});
