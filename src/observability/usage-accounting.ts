import type { ResponseObserver } from '../response/response-observer.ts';
import { usageObserver } from '../response/usage-observer.ts';
import type { ModelSpec } from '../selection/model-spec.ts';
import type { Metrics } from './metrics.ts';

/**
 * Counts the tokens a model's response reports (the JSON `usage`, or the usage event of a stream)
 * and, with the model's prices, what the request cost. Only a complete 2xx response counts.
 */
export function usageAccounting(metrics: Metrics, model: ModelSpec): ResponseObserver {
  return usageObserver((usage) => {
    if (!usage) return;
    metrics.tokens.inc({ model: model.name, direction: 'prompt' }, usage.promptTokens);
    metrics.tokens.inc({ model: model.name, direction: 'completion' }, usage.completionTokens);
    const pricing = model.pricing;
    if (!pricing) return;
    const cost =
      (usage.promptTokens * pricing.inputPerMillion + usage.completionTokens * pricing.outputPerMillion) /
      1e6;
    metrics.cost.inc({ model: model.name }, cost);
  });
}
