/**
 * `npm run bench:cache` (also run by `npm run bench`): what the semantic cache costs.
 *
 * 1. Lookups in a cache of 100k entries in one partition (the worst case: one tenant's HNSW index
 *    holds them all), in process: p50 and p99 of a miss and of a semantic hit, and the memory the
 *    entries take (vectors of 100 dimensions, as the embedded encoder's; answers of about 300 bytes).
 *    Then the longest turn of the event loop while it works off a quota lowered by 5% and an
 *    invalidation of everything.
 * 2. Inserts beside other traffic, through the router process as Envoy drives it: the p99 of
 *    requests answered by the model while another client sends new questions at about 1,000/s
 *    that are stored, against the same load sent with `x-router-cache-control: no-store`.
 *
 * The hit's whole exchange against the do-nothing floor is a case of `bench/bench.ts`.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chatRequest, ExtProcEmulator, type Upstream } from 'envoy-extproc-emulator';
import { SemanticCache } from '../src/cache/semantic-cache.ts';
import { median, percentile } from './load.ts';
import { startRouterProcess } from './processes.ts';

const ENTRIES = Number(process.env.BENCH_CACHE_ENTRIES ?? 100_000);
const DIMENSIONS = 100;
const LOOKUPS = 2000;
const INSERT_RATE = Number(process.env.BENCH_CACHE_INSERT_RATE ?? 1000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

/** A seeded random unit vector. */
function unitVector(seed: number): Float32Array {
  let state = (seed * 2654435761) % 2 ** 31;
  const v = new Float32Array(DIMENSIONS);
  let norm = 0;
  for (let i = 0; i < DIMENSIONS; i++) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    v[i] = state / 2 ** 31 - 0.5;
    norm += (v[i] as number) ** 2;
  }
  return v.map((x) => x / Math.sqrt(norm));
}

const ANSWER = {
  object: 'chat.completion',
  model: 'm',
  choices: [{ index: 0, message: { role: 'assistant', content: 'x'.repeat(200) }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 12, completion_tokens: 50, total_tokens: 62 },
};

async function lookups(): Promise<Record<string, number>> {
  global.gc?.();
  const before = process.memoryUsage();
  const cache = new SemanticCache(undefined);
  cache.setQuota('bench', ENTRIES * 2);
  const started = performance.now();
  for (let i = 0; i < ENTRIES; i++) {
    await cache.insert(
      {
        partition: 'tenant',
        exactKey: `k${i}`,
        category: 'bench',
        identity: 'tenant',
        decision: 'bench',
        model: 'm',
        question: `What is the answer to question number ${i}?`,
        vector: unitVector(i + 1),
        ttlMs: 3_600_000,
      },
      ANSWER,
    );
  }
  const insertSeconds = (performance.now() - started) / 1000;
  // Let the HNSW index finish building (it is built a batch per turn of the event loop).
  await cache.settled();
  global.gc?.();
  const after = process.memoryUsage();
  /** Lookup times, sorted, and the share that were hits. */
  const time = async (query: (i: number) => Parameters<SemanticCache['lookup']>[0]) => {
    const samples: number[] = [];
    let hits = 0;
    for (let i = 0; i < LOOKUPS; i++) {
      const q = query(i);
      const t = performance.now();
      const result = await cache.lookup(q, 'bench');
      samples.push(performance.now() - t);
      if (result.hit) hits++;
    }
    return { sorted: samples.sort((a, b) => a - b), hitShare: hits / LOOKUPS };
  };
  const settings = { maxUnmatchedWords: 6, maxUnmatchedShare: 0.34, maxExtraWords: 1 };
  const miss = await time((i) => ({
    partition: 'tenant',
    exactKey: `absent${i}`,
    question: `Something else entirely, number ${i}`,
    vector: async () => unitVector(ENTRIES + 10 + i),
    threshold: 0.9,
    verifier: settings,
  }));
  const hit = await time((i) => {
    const n = (i * 7919) % ENTRIES;
    return {
      partition: 'tenant',
      exactKey: `paraphrase${i}`,
      question: `what is the answer to question number ${n}`,
      vector: async () => unitVector(n + 1),
      threshold: 0.9,
      verifier: settings,
    };
  });
  const bulk = await bulkRemoval(cache);
  cache.close();
  const mb = (bytes: number) => bytes / 2 ** 20;
  return {
    entries: ENTRIES,
    insertsPerSecond: Math.round(ENTRIES / insertSeconds),
    missP50Ms: percentile(miss.sorted, 50),
    missP99Ms: percentile(miss.sorted, 99),
    missHitShare: miss.hitShare,
    hitP50Ms: percentile(hit.sorted, 50),
    hitP99Ms: percentile(hit.sorted, 99),
    /** Queries with a stored entry's own vector that found it: the HNSW index's recall at 1. */
    hitShare: hit.hitShare,
    heapMb: mb(after.heapUsed - before.heapUsed),
    nativeAndBuffersMb: mb(after.rss - before.rss - (after.heapTotal - before.heapTotal)),
    rssMb: mb(after.rss - before.rss),
    ...bulk,
  };
}

/**
 * The longest turn of the event loop while the cache works off a quota lowered by 5%, then an
 * invalidation of everything (each in batches), and how long each took in all.
 */
async function bulkRemoval(cache: SemanticCache): Promise<Record<string, number>> {
  let longest = 0;
  let last = performance.now();
  let ticking = true;
  const tick = () => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    if (ticking) setImmediate(tick);
  };
  const turns = async (work: () => Promise<unknown>) => {
    await new Promise((resolve) => setTimeout(resolve, 50));
    longest = 0;
    last = performance.now();
    const started = performance.now();
    await work();
    return { ms: performance.now() - started, longestTurnMs: longest };
  };
  setImmediate(tick);
  const quota = Math.floor(cache.size * 0.95);
  const lowered = await turns(async () => {
    cache.setQuota('bench', quota);
    await cache.insert(
      {
        partition: 'tenant',
        exactKey: 'one more',
        category: 'bench',
        identity: 'tenant',
        decision: 'bench',
        model: 'm',
        question: 'One more question?',
        vector: unitVector(ENTRIES * 3),
        ttlMs: 3_600_000,
      },
      ANSWER,
    );
    while (cache.size > quota) await new Promise((resolve) => setImmediate(resolve));
  });
  const invalidated = await turns(() => cache.invalidated({}));
  ticking = false;
  return {
    quotaLoweredMs: lowered.ms,
    quotaLoweredLongestTurnMs: lowered.longestTurnMs,
    invalidateAllMs: invalidated.ms,
    invalidateAllLongestTurnMs: invalidated.longestTurnMs,
  };
}

const COMPLETION = JSON.stringify(ANSWER);
const upstream: Upstream = () => ({
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: COMPLETION,
});

async function insertImpact(): Promise<Record<string, number>> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-cache-'));
  const policyFile = path.join(dir, 'policy.yaml');
  writeFileSync(
    policyFile,
    `${readFileSync('bench/policy.yaml', 'utf8')}\ncache: { ttlSeconds: 600, maxEntries: 200000 }\n`,
  );
  const router = await startRouterProcess(policyFile);
  const envoy = new ExtProcEmulator({ target: `127.0.0.1:${router.port}`, messageTimeoutMs: 10_000 });
  await envoy.waitForReady();
  let question = 0;
  /**
   * `SECONDS` of measured requests (never cached: no tenant header) beside an open-loop load of new
   * questions from one tenant, stored or sent with `no-store` (looked up all the same).
   */
  const measure = async (store: boolean) => {
    const headers = { 'x-tenant-id': 'loader', ...(store ? {} : { 'x-router-cache-control': 'no-store' }) };
    const latencies: number[] = [];
    let sent = 0;
    let done = 0;
    const deadline = performance.now() + SECONDS * 1000;
    const tick = 10;
    const loader = setInterval(() => {
      for (let i = 0; i < (INSERT_RATE * tick) / 1000; i++) {
        sent++;
        const prompt = `Tell me about topic ${++question} and why it matters for teams ${question % 97}`;
        void envoy.exchange(chatRequest(prompt, {}, { headers }), upstream).finally(() => done++);
      }
    }, tick);
    const measured = chatRequest('What is the capital of France?');
    while (performance.now() < deadline) {
      const result = await envoy.exchange(measured, upstream);
      latencies.push(result.timings.requestPathMs + (result.timings.responsePathMs ?? 0));
    }
    clearInterval(loader);
    while (done < sent) await new Promise((resolve) => setTimeout(resolve, 20));
    latencies.sort((a, b) => a - b);
    return { p99: percentile(latencies, 99), p50: percentile(latencies, 50), rate: sent / SECONDS };
  };
  // Warm-up, which also fills the loader's partition: from then on every request of the loader is
  // looked up (embedded, searched) in both modes, and only storing differs.
  await measure(true);
  const stored: number[] = [];
  const notStored: number[] = [];
  let rate = 0;
  for (let round = 0; round < ROUNDS; round++) {
    notStored.push((await measure(false)).p99);
    const with_ = await measure(true);
    stored.push(with_.p99);
    rate = with_.rate;
  }
  const peakRssMb = (router.peakRssKb() ?? Number.NaN) / 1024;
  envoy.close();
  await router.stop();
  return {
    loadPerSecond: Math.round(rate),
    p99NoStoreMs: median(notStored),
    p99StoringMs: median(stored),
    p99Ratio: median(stored) / median(notStored),
    routerPeakRssMb: Math.round(peakRssMb),
  };
}

const round3 = (value: number) => Math.round(value * 1000) / 1000;
const fixed = (figures: Record<string, number>) =>
  Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, round3(v)]));

const lookup = fixed(await lookups());
console.log(
  `\ncache lookups, ${lookup.entries} entries in one partition: miss p50 ${lookup.missP50Ms} ms (p99 ${lookup.missP99Ms}), semantic hit p50 ${lookup.hitP50Ms} ms (p99 ${lookup.hitP99Ms}, ${lookup.hitShare} of them found); ${lookup.insertsPerSecond} inserts/s in process; memory ${lookup.rssMb} MB RSS (${lookup.heapMb} MB heap)`,
);
console.log(
  `cache bulk removal: a quota lowered by 5% reached in ${lookup.quotaLoweredMs} ms (longest turn of the event loop ${lookup.quotaLoweredLongestTurnMs} ms); everything invalidated in ${lookup.invalidateAllMs} ms (longest turn ${lookup.invalidateAllLongestTurnMs} ms)`,
);
const impact = fixed(await insertImpact());
console.log(
  `cache inserts beside traffic: ${impact.loadPerSecond} new questions/s stored: other requests' p99 ${impact.p99StoringMs} ms against ${impact.p99NoStoreMs} ms with no-store (${impact.p99Ratio}x)`,
);
console.log(JSON.stringify({ lookup, impact }));
