import type { ResponseObserver } from './response-observer.ts';
import { SseUsageScanner, type Usage, usageFromJson } from './usage.ts';

/**
 * Watches a response for the token usage it reports (the JSON `usage`, or the usage event of a
 * stream) and calls `completed` once when it ends, only for a complete 2xx response: with its usage
 * (undefined when it reported none) and its duration.
 */
export function usageObserver(
  completed: (usage: Usage | undefined, elapsedMs: number) => void,
): ResponseObserver {
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
    ended({ complete, elapsedMs }) {
      const body = pieces;
      pieces = [];
      if (!ok || !complete) return;
      completed(scanner ? scanner.usage : usageFromJson(Buffer.concat(body)), elapsedMs);
    },
  };
}
