import type { ExtProcEmulator, HttpRequest, Upstream } from 'envoy-extproc-emulator';

export interface LoadResult {
  /** Milliseconds the ext_proc hop added to each exchange (request path + response path). */
  latencies: number[];
  requestsPerSecond: number;
  errors: number;
}

/**
 * A closed loop of `concurrency` workers sending exchanges back to back for `durationMs`.
 * Latency excludes the upstream's own time and the stream close, which Envoy does off the
 * request's critical path.
 */
export async function runLoad(
  envoy: ExtProcEmulator,
  requests: readonly HttpRequest[],
  upstream: Upstream,
  concurrency: number,
  durationMs: number,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  const worker = async () => {
    while (performance.now() < deadline) {
      const request = requests[next++ % requests.length] as HttpRequest;
      try {
        const result = await envoy.exchange(request, upstream);
        if (result.outcome !== 'completed' && result.outcome !== 'immediate_response') errors++;
        latencies.push(result.timings.requestPathMs + (result.timings.responsePathMs ?? 0));
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - started) / 1000;
  return { latencies, requestsPerSecond: latencies.length / elapsed, errors };
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] as number;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
