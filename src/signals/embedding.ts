import { z } from 'zod';
import { cosine } from '../models/embedder.ts';
import type { TextScope } from '../request/router-request.ts';
import { requestEmbedding } from './request-embedding.ts';
import { defineSignal, type SignalResult } from './signal.ts';

const Params = z
  .object({
    exemplars: z
      .array(z.string().trim().min(1))
      .min(1)
      .max(1000)
      .describe('Example prompts of the route; a request matches when it is close enough to them.'),
    threshold: z
      .number()
      .min(-1)
      .max(1)
      .default(0.5)
      .describe(
        'Lowest similarity (cosine, mean of the `topK` closest exemplars) that matches. It depends on the encoder: with the embedded one, paraphrases mostly score 0.6-0.9 and unrelated prompts below 0.3; tune it with `explain`.',
      ),
    topK: z
      .number()
      .int()
      .min(1)
      .default(1)
      .describe('How many of the closest exemplars are averaged into the score (1: the closest one alone).'),
    scope: z
      .enum(['last-user', 'user', 'conversation'])
      .default('last-user')
      .describe('Which messages are embedded (at most 8192 characters: the start and the end).'),
  })
  .strict();

type EmbeddingParams = z.infer<typeof Params>;

/** Mean of the k largest values, and the index of the largest. */
function topMean(similarities: number[], k: number): { score: number; best: number } {
  let best = 0;
  similarities.forEach((value, index) => {
    if (value > (similarities[best] as number)) best = index;
  });
  const top = [...similarities].sort((a, b) => b - a).slice(0, k);
  return { score: top.reduce((sum, value) => sum + value, 0) / top.length, best };
}

function quote(text: string): string {
  return text.length <= 60 ? text : `${text.slice(0, 57)}...`;
}

/**
 * Similarity of the request to a route's exemplar prompts under the policy's encoder. The request
 * is embedded once (shared with every other user of that encoder); exemplars once per policy load.
 */
export const embeddingSignal = defineSignal({
  type: 'embedding',
  waitsOnModel: true,
  description:
    "Matches prompts similar to a list of exemplars (cosine similarity under the policy's `encoder`); evidence is the closest exemplar and the score.",
  params: Params,
  validate(params) {
    return params.topK > params.exemplars.length
      ? [`topK ${params.topK} exceeds the ${params.exemplars.length} exemplars`]
      : [];
  },
  create(raw, context) {
    const params = raw as EmbeddingParams;
    const encoder = context.encoder();
    const exemplars = encoder
      .get()
      .then(async (embedder) => ({ embedder, vectors: await embedder.embed(params.exemplars) }));
    exemplars.catch(() => {});
    const scope: TextScope = params.scope;
    return {
      async evaluate(request): Promise<SignalResult> {
        const { embedder, vectors } = await exemplars;
        const vector = await requestEmbedding(request, embedder, scope);
        const { score, best } = topMean(
          vectors.map((exemplar) => cosine(vector, exemplar)),
          params.topK,
        );
        const rounded = Math.round(score * 1000) / 1000;
        return {
          matched: score >= params.threshold,
          confidence: Math.max(0, score),
          value: rounded,
          evidence: [`similarity ${rounded}`, `closest "${quote(params.exemplars[best] as string)}"`],
        };
      },
    };
  },
});
