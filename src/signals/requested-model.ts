import { z } from 'zod';
import { defineSignal } from './signal.ts';

const Params = z
  .object({
    models: z.array(z.string().min(1)).min(1).describe('Matches when the request names one of these models.'),
  })
  .strict();

/**
 * The `model` named in the request body: a real model or a virtual one such as `auto`.
 * A request without a `model` field matches nothing.
 */
export const requestedModelSignal = defineSignal({
  type: 'model',
  cheap: true,
  description: 'The request names one of these models in its `model` field (real or virtual, e.g. `auto`).',
  params: Params,
  create(params) {
    const models = new Set(params.models);
    return {
      evaluate(request) {
        const model = request.chat.model;
        const matched = model !== undefined && models.has(model);
        return {
          matched,
          confidence: matched ? 1 : 0,
          evidence: [model === undefined ? 'no model' : `model ${model}`],
        };
      },
    };
  },
  relate(a, b) {
    const bModels = new Set(b.models);
    if (a.models.every((m) => !bModels.has(m))) return 'disjoint';
    if (a.models.every((m) => bModels.has(m))) return 'implies';
    return 'unknown';
  },
});
