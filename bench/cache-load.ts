/**
 * `npm run bench:cache-load`: what the load-adaptive cache does for a model that is overloaded. The
 * router (in process, behind the Envoy emulator) serves one model whose answers take longer the
 * more requests it has in flight. The first sentences of labelled paraphrase pairs are stored (each
 * pair in its own tenant), then the second sentences are asked at concurrency 16, once with the
 * policy's cache alone and once with `loadAdaptive`: the figures are the share served from the
 * cache, how many requests reached the model, how precise the hits were (the pairs' labels), and
 * the p50 latency seen by clients.
 */
import { chatRequest, echoUpstream, type Upstream } from 'envoy-extproc-emulator';
import { readPairs, splitPairs } from '../scripts/cache-eval-data.ts';
import { startRouterBehindEnvoy } from '../scripts/in-process-router.ts';
import { percentile } from './load.ts';

const PAIRS = Number(process.env.BENCH_PAIRS ?? 600);
const CONCURRENCY = 16;
const ADAPTIVE =
  '  loadAdaptive: { maxInFlight: 8, maxLatencyMs: 150, maxErrorRate: 0.5, threshold: 0.9, ttlSeconds: 3600 }\n';

function policy(adaptive: boolean): string {
  return `apiVersion: semantic-router.io/v1
kind: RoutingPolicy
models:
  - { name: model, endpoint: { cluster: model } }
defaultDecision:
  models: [model]
cache:
  threshold: 0.96
${adaptive ? ADAPTIVE : ''}`;
}

async function run(adaptive: boolean) {
  const { envoy, close } = await startRouterBehindEnvoy(policy(adaptive));
  let inFlight = 0;
  let calls = 0;
  /** 20 ms, plus 20 ms for each request already in flight: a model past its capacity. */
  const overloaded: Upstream = async (request) => {
    calls++;
    inFlight++;
    await new Promise((resolve) => setTimeout(resolve, 20 + 20 * (inFlight - 1)));
    inFlight--;
    return echoUpstream(request);
  };
  // The held-out pairs, so that nothing here tuned what it measures.
  const pairs = splitPairs(readPairs()).heldOut.slice(0, PAIRS);
  const pool = async (work: (i: number) => Promise<void>) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < pairs.length) await work(next++);
      }),
    );
  };
  // Stored one at a time, so that the model is not loaded yet while they are.
  for (const [i, pair] of pairs.entries())
    await envoy.exchange(chatRequest(pair.a, {}, { headers: { 'x-tenant-id': `t${i}` } }), echoUpstream);
  await new Promise((resolve) => setTimeout(resolve, 500));
  calls = 0;
  let hits = 0;
  let correct = 0;
  const latencies: number[] = [];
  await pool(async (i) => {
    const pair = pairs[i];
    if (!pair) return;
    const started = performance.now();
    const result = await envoy.exchange(
      chatRequest(pair.b, {}, { headers: { 'x-tenant-id': `t${i}` } }),
      overloaded,
    );
    latencies.push(performance.now() - started);
    if (result.response.headers['x-router-cache'] === 'hit') {
      hits++;
      if (pair.same) correct++;
    }
  });
  await close();
  latencies.sort((a, b) => a - b);
  return {
    asked: pairs.length,
    hitShare: hits / pairs.length,
    precision: hits === 0 ? 1 : correct / hits,
    modelCalls: calls,
    p50Ms: percentile(latencies, 50),
  };
}

const plain = await run(false);
const adaptive = await run(true);
const line = (name: string, r: Awaited<ReturnType<typeof run>>) =>
  `${name.padEnd(14)} hits ${(r.hitShare * 100).toFixed(1)}% (precision ${(r.precision * 100).toFixed(1)}%), ${r.modelCalls} of ${r.asked} requests to the model, client p50 ${r.p50Ms.toFixed(0)} ms`;
console.log(
  `\nload-adaptive cache, ${plain.asked} held-out paraphrase pairs at concurrency ${CONCURRENCY}, an overloaded model:`,
);
console.log(line('cache alone', plain));
console.log(line('load-adaptive', adaptive));
console.log(JSON.stringify({ plain, adaptive }));
