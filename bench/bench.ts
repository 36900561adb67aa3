/**
 * `npm run bench`: the latency and throughput the router adds as an Envoy ext_proc hop, measured
 * through the Envoy emulator against real server processes, and compared with a do-nothing
 * ext_proc server (the floor) in the same run. Cases run interleaved over several rounds; each
 * figure is the median over rounds. The last line printed is one JSON object with every figure.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chatRequest, ExtProcEmulator, type HttpRequest, type Upstream } from 'envoy-extproc-emulator';
import { median, percentile, runLoad } from './load.ts';
import { type ServerProcess, startRouterProcess, startServerProcess } from './processes.ts';
import { BENCH_PROMPTS } from './prompts.ts';

const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '1,16,64').split(',').map(Number);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);

const COMPLETION = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 20, completion_tokens: 1, total_tokens: 21 },
});
const upstream: Upstream = () => ({
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: COMPLETION,
});

const chatRequests: HttpRequest[] = BENCH_PROMPTS.map((prompt) => chatRequest(prompt));
const passThroughRequests: HttpRequest[] = [
  {
    method: 'POST',
    path: '/v1/embeddings',
    headers: { 'content-type': 'application/json' },
    body: '{"model":"e5","input":"hello"}',
  },
];

/** The same prompts from one tenant, answered from the cache once the warm-up stored them. */
const cachedRequests: HttpRequest[] = BENCH_PROMPTS.map((prompt) =>
  chatRequest(prompt, {}, { headers: { 'x-tenant-id': 'bench' } }),
);

/** The full policy with the cache on, in a temporary file. */
function cachePolicyFile(): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'bench-')), 'cache-policy.yaml');
  writeFileSync(file, `${readFileSync('bench/policy.yaml', 'utf8')}\ncache: { ttlSeconds: 3600 }\n`);
  return file;
}

interface Case {
  name: 'floor' | 'pass-through' | 'full-policy' | 'cache-hit';
  server: () => ServerProcess;
  requests: HttpRequest[];
}

interface Figures {
  p50Ms: number;
  p99Ms: number;
  rps: number;
  /** CPU the ext_proc server process spent per exchange: the least noisy figure on a shared machine. */
  serverCpuUs: number;
  errors: number;
}

async function main(): Promise<void> {
  const floorServer = await startServerProcess(['bench/noop-server.ts']);
  const routerServer = await startRouterProcess('bench/policy.yaml');
  const cacheServer = await startRouterProcess(cachePolicyFile());
  const cases: Case[] = [
    { name: 'floor', server: () => floorServer, requests: chatRequests },
    { name: 'pass-through', server: () => routerServer, requests: passThroughRequests },
    { name: 'full-policy', server: () => routerServer, requests: chatRequests },
    { name: 'cache-hit', server: () => cacheServer, requests: cachedRequests },
  ];
  const emulators = new Map<ServerProcess, ExtProcEmulator>();
  const envoyFor = (c: Case): ExtProcEmulator => {
    const envoy = emulators.get(c.server());
    if (!envoy) throw new Error(`no emulator for ${c.name}`);
    return envoy;
  };
  for (const server of [floorServer, routerServer, cacheServer]) {
    // Graceful close (half-close, then wait for the server to end the call), as envoy/envoy.yaml
    // configures Envoy: with resets, Node's HTTP/2 reset rate limit would drop the connection.
    const envoy = new ExtProcEmulator({ target: `127.0.0.1:${server.port}`, messageTimeoutMs: 5000 });
    await envoy.waitForReady();
    emulators.set(server, envoy);
  }
  // Warm up both servers (JIT, tokenizer caches) before measuring.
  for (const c of cases) await runLoad(envoyFor(c), c.requests, upstream, 16, 1500);

  const samples = new Map<string, Figures[]>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const concurrency of CONCURRENCY) {
      for (const c of cases) {
        const cpuBefore = c.server().cpuMs();
        const load = await runLoad(envoyFor(c), c.requests, upstream, concurrency, SECONDS * 1000);
        const serverCpuUs = ((c.server().cpuMs() - cpuBefore) * 1000) / Math.max(1, load.latencies.length);
        const sorted = load.latencies.sort((a, b) => a - b);
        const key = `${c.name}@${concurrency}`;
        const list = samples.get(key) ?? [];
        list.push({
          p50Ms: percentile(sorted, 50),
          p99Ms: percentile(sorted, 99),
          rps: load.requestsPerSecond,
          serverCpuUs,
          errors: load.errors,
        });
        samples.set(key, list);
      }
    }
    process.stderr.write(`round ${round + 1}/${ROUNDS} done\n`);
  }

  const result: Record<string, Record<string, number>> = {};
  const rows: string[] = [];
  rows.push(
    'case           conc   p50 ms   p99 ms      req/s   p50-floor ms  p99/floor  rps/floor  cpu us/req  cpu/floor  errors',
  );
  for (const concurrency of CONCURRENCY) {
    const floor = summarize(samples.get(`floor@${concurrency}`) ?? []);
    for (const c of cases) {
      const f = summarize(samples.get(`${c.name}@${concurrency}`) ?? []);
      const figures = {
        p50Ms: round3(f.p50Ms),
        p99Ms: round3(f.p99Ms),
        rps: Math.round(f.rps),
        p50OverFloorMs: round3(f.p50Ms - floor.p50Ms),
        p99RatioToFloor: round3(f.p99Ms / floor.p99Ms),
        rpsRatioToFloor: round3(f.rps / floor.rps),
        serverCpuUsPerRequest: Math.round(f.serverCpuUs),
        serverCpuRatioToFloor: round3(f.serverCpuUs / floor.serverCpuUs),
        errors: f.errors,
      };
      result[`${c.name}@${concurrency}`] = figures;
      rows.push(
        `${c.name.padEnd(14)} ${String(concurrency).padStart(4)} ${figures.p50Ms.toFixed(3).padStart(8)} ${figures.p99Ms
          .toFixed(3)
          .padStart(
            8,
          )} ${String(figures.rps).padStart(10)} ${figures.p50OverFloorMs.toFixed(3).padStart(14)} ${figures.p99RatioToFloor
          .toFixed(2)
          .padStart(10)} ${figures.rpsRatioToFloor.toFixed(2).padStart(10)} ${String(
          figures.serverCpuUsPerRequest,
        ).padStart(
          11,
        )} ${figures.serverCpuRatioToFloor.toFixed(2).padStart(10)} ${String(figures.errors).padStart(7)}`,
      );
    }
  }
  const routerPeakRssMb = (routerServer.peakRssKb() ?? Number.NaN) / 1024;
  for (const envoy of emulators.values()) envoy.close();
  await Promise.all([floorServer.stop(), routerServer.stop(), cacheServer.stop()]);

  const goals = {
    c1P50OverFloorMs: result['full-policy@1']?.p50OverFloorMs,
    c16RpsRatio: result['full-policy@16']?.rpsRatioToFloor,
    c16P99Ratio: result['full-policy@16']?.p99RatioToFloor,
    c1CacheHitP50Ratio: round3(
      (result['cache-hit@1']?.p50Ms ?? Number.NaN) / (result['floor@1']?.p50Ms ?? Number.NaN),
    ),
  };
  console.log(
    `\nsemantic router ext_proc benchmark: ${ROUNDS} rounds x ${SECONDS}s per case, medians over rounds`,
  );
  console.log(rows.join('\n'));
  console.log(
    `\ngoals: c=1 p50 over floor ${goals.c1P50OverFloorMs} ms (<= 0.2), c=16 rps ${goals.c16RpsRatio} of floor (>= 0.85), c=16 p99 ${goals.c16P99Ratio}x floor (<= 1.5), c=1 cache hit p50 ${goals.c1CacheHitP50Ratio}x floor (<= 1.5); router peak RSS ${routerPeakRssMb.toFixed(0)} MB`,
  );
  console.log(
    JSON.stringify({
      rounds: ROUNDS,
      secondsPerCase: SECONDS,
      routerPeakRssMb: Math.round(routerPeakRssMb),
      goals,
      cases: result,
    }),
  );
}

function summarize(list: Figures[]): Figures {
  return {
    p50Ms: median(list.map((f) => f.p50Ms)),
    p99Ms: median(list.map((f) => f.p99Ms)),
    rps: median(list.map((f) => f.rps)),
    serverCpuUs: median(list.map((f) => f.serverCpuUs)),
    errors: list.reduce((sum, f) => sum + f.errors, 0),
  };
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

await main();
