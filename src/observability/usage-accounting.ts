import type { ResponseObserver } from '../response/response-observer.ts';
import { SseUsageScanner, usageFromJson } from '../response/usage.ts';
import type { ModelSpec } from '../selection/model-spec.ts';
import type { Metrics } from './metrics.ts';

/**
 * Counts the tokens a model's response reports (the JSON `usage`, or the usage event of a stream)
 * and, with the model's prices, what the request cost. Only a complete 2xx response counts.
 */
export function usageAccounting(metrics: Metrics, model: ModelSpec): ResponseObserver {
  let scanner: SseUsageScanner | undefined;
  let pieces: Buffer[] = [];
  let ok = false;
  return {
    readsBody: true,
    started(response) {
      ok = response.status >= 200 && response.status < 300;
      if (response.streamed) scanner = new SseUsageScanner();
    },
    body(piece) {
      if (!ok) return;
      if (scanner) scanner.push(piece);
      else pieces.push(piece);
    },
    ended({ complete }) {
      const usage =
        !ok || !complete ? undefined : scanner ? scanner.usage : usageFromJson(Buffer.concat(pieces));
      pieces = [];
      if (!usage) return;
      metrics.tokens.inc({ model: model.name, direction: 'prompt' }, usage.promptTokens);
      metrics.tokens.inc({ model: model.name, direction: 'completion' }, usage.completionTokens);
      const pricing = model.pricing;
      if (!pricing) return;
      const cost =
        (usage.promptTokens * pricing.inputPerMillion + usage.completionTokens * pricing.outputPerMillion) /
        1e6;
      metrics.cost.inc({ model: model.name }, cost);
    },
  };
}
