/**
 * `npm run bench:models` (also run by `npm run bench`): what the learned signals cost.
 * - latency: the default policy (embedding, domain, jailbreak, PII, keyword... signals) against the
 *   same policy with only its keyword, context-length and header signals, at concurrency 1, through
 *   the Envoy emulator against real server processes; rounds interleaved, medians over rounds;
 * - start-up to ready with the models already built, median of several starts;
 * - the first build of the embedded encoder (into a temporary folder);
 * - the peak resident memory of the server running the default policy under load.
 * The last line printed is one JSON object with every figure.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chatRequest, ExtProcEmulator, type Upstream } from 'envoy-extproc-emulator';
import { parse, stringify } from 'yaml';
import { buildStaticEncoder } from '../src/models/static-encoder/build-static-encoder.ts';
import { median, percentile, runLoad } from './load.ts';
import { type ServerProcess, startRouterProcess } from './processes.ts';
import { BENCH_PROMPTS } from './prompts.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const STARTS = Number(process.env.BENCH_STARTS ?? 3);
const CHEAP_SIGNALS = new Set(['keyword', 'context-length', 'header', 'model']);

const upstream: Upstream = () => ({
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: '{"choices":[{"index":0,"message":{"role":"assistant","content":"ok"}}]}',
});

type Rule = string | { all: Rule[] } | { any: Rule[] } | { not: Rule };

function references(rule: Rule): string[] {
  if (typeof rule === 'string') return [rule];
  if ('not' in rule) return references(rule.not);
  return ('all' in rule ? rule.all : rule.any).flatMap(references);
}

/** The default policy with only its cheap signals, and the decisions that use nothing else. */
function keywordOnlyPolicy(text: string): string {
  const policy = parse(text) as {
    signals: { type: string; name: string }[];
    decisions: { when: Rule }[];
  };
  policy.signals = policy.signals.filter((signal) => CHEAP_SIGNALS.has(signal.type));
  const kept = new Set(policy.signals.map((signal) => `${signal.type}:${signal.name}`));
  policy.decisions = policy.decisions.filter((decision) =>
    references(decision.when).every((key) => kept.has(key)),
  );
  return stringify(policy);
}

/** Models load before the router reports ready; a cold machine may need longer than the default. */
function serve(policyFile: string): Promise<ServerProcess> {
  return startRouterProcess(policyFile, 60_000);
}

async function startupSeconds(policyFile: string): Promise<number> {
  const started = performance.now();
  const server = await serve(policyFile);
  const seconds = (performance.now() - started) / 1000;
  await server.stop();
  return seconds;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-models-'));
  const defaultPolicy = 'policies/default.yaml';
  const keywordPolicy = join(dir, 'keyword-only.yaml');
  writeFileSync(keywordPolicy, keywordOnlyPolicy(readFileSync(defaultPolicy, 'utf8')));

  const build = buildStaticEncoder(join(dir, 'encoder'));
  process.stderr.write(`first build of the embedded encoder: ${build.seconds.toFixed(1)} s\n`);

  const starts: number[] = [];
  for (let i = 0; i < STARTS; i++) starts.push(await startupSeconds(defaultPolicy));

  const servers = { 'keyword-only': await serve(keywordPolicy), default: await serve(defaultPolicy) };
  const requests = BENCH_PROMPTS.map((prompt) => chatRequest(prompt));
  const envoys = new Map<string, ExtProcEmulator>();
  for (const [name, server] of Object.entries(servers)) {
    const envoy = new ExtProcEmulator({ target: `127.0.0.1:${server.port}`, messageTimeoutMs: 5000 });
    await envoy.waitForReady();
    await runLoad(envoy, requests, upstream, 16, 1500);
    envoys.set(name, envoy);
  }
  const p50s: Record<string, number[]> = { 'keyword-only': [], default: [] };
  const p99s: Record<string, number[]> = { 'keyword-only': [], default: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of Object.keys(servers)) {
      const load = await runLoad(envoys.get(name) as ExtProcEmulator, requests, upstream, 1, SECONDS * 1000);
      if (load.errors > 0) throw new Error(`${name}: ${load.errors} failed exchanges`);
      const sorted = load.latencies.sort((a, b) => a - b);
      p50s[name]?.push(percentile(sorted, 50));
      p99s[name]?.push(percentile(sorted, 99));
    }
    process.stderr.write(`round ${round + 1}/${ROUNDS} done\n`);
  }
  // Peak memory under concurrent load, the worst case for buffers in flight.
  await runLoad(envoys.get('default') as ExtProcEmulator, requests, upstream, 64, SECONDS * 1000);
  const peakRssMb = (servers.default.peakRssKb() ?? Number.NaN) / 1024;
  for (const envoy of envoys.values()) envoy.close();
  await Promise.all(Object.values(servers).map((server) => server.stop()));
  rmSync(dir, { recursive: true, force: true });

  const round3 = (value: number) => Math.round(value * 1000) / 1000;
  const keywordP50 = median(p50s['keyword-only'] ?? []);
  const defaultP50 = median(p50s.default ?? []);
  const figures = {
    rounds: ROUNDS,
    secondsPerCase: SECONDS,
    keywordOnlyP50Ms: round3(keywordP50),
    defaultPolicyP50Ms: round3(defaultP50),
    learnedSignalsP50OverKeywordOnlyMs: round3(defaultP50 - keywordP50),
    keywordOnlyP99Ms: round3(median(p99s['keyword-only'] ?? [])),
    defaultPolicyP99Ms: round3(median(p99s.default ?? [])),
    startupToReadySeconds: round3(median(starts)),
    firstBuildSeconds: round3(build.seconds),
    defaultPolicyPeakRssMb: Math.round(peakRssMb),
  };
  console.log(
    `\nlearned signals benchmark: ${ROUNDS} rounds x ${SECONDS}s at concurrency 1, medians over rounds`,
  );
  console.log(
    `default policy p50 ${figures.defaultPolicyP50Ms} ms vs keyword-only ${figures.keywordOnlyP50Ms} ms: +${figures.learnedSignalsP50OverKeywordOnlyMs} ms (goal <= 1)`,
  );
  console.log(`start-up to ready ${figures.startupToReadySeconds} s (goal <= 2), median of ${STARTS}`);
  console.log(`first build of the embedded encoder ${figures.firstBuildSeconds} s (goal <= 60)`);
  console.log(`peak RSS of the default-policy server ${figures.defaultPolicyPeakRssMb} MB (goal <= 400)`);
  console.log(JSON.stringify(figures));
}

await main();
