/**
 * Replays labelled sentence pairs through the real router as Envoy drives it (the ext_proc
 * emulator, a fake model upstream): each pair in a tenant of its own, the first sentence is asked
 * and answered (so the cache stores it), then the second is asked: a hit serves the first one's
 * answer. Prints hit precision and recall per similarity threshold, with and without the verifier,
 * on the tuning part and on the held-out part of the pairs (see `splitPairs`), and the share of
 * negated, number-changed and entity-swapped variants of the stored sentences served as hits.
 *
 *   npm run eval:cache -- [--limit N] [--concurrency 16] [--stsb-same 4]
 *
 * Thresholds are chosen on the tuning part only; the held-out figures are reported as such.
 */
import { chatRequest, echoUpstream } from 'envoy-extproc-emulator';
import { CacheParams } from '../src/cache/cache-params.ts';
import { normalisedQuestion } from '../src/cache/request-key.ts';
import { textFacts } from '../src/cache/text-facts.ts';
import { compareFacts, type Refusal } from '../src/cache/verifier.ts';
import {
  type LabelledPair,
  readPairs,
  STSB_SAME,
  splitPairs,
  type VariantKind,
  variantsOf,
} from './cache-eval-data.ts';
import { startRouterBehindEnvoy } from './in-process-router.ts';

/** Hits are recorded down to this similarity; each threshold above is then a filter on them. */
const FLOOR = 0.6;
const THRESHOLDS = [0.6, 0.65, 0.7, 0.75, 0.8, 0.82, 0.84, 0.86, 0.88, 0.9, 0.92, 0.94, 0.96, 0.98];
const TARGET_PRECISION = 0.97;
const MIN_HITS = 100;

interface Options {
  limit: number;
  concurrency: number;
  /** The STS-B score from which a pair counts as the same question. */
  stsbSame: number;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { limit: Number.POSITIVE_INFINITY, concurrency: 16, stsbSame: STSB_SAME };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--limit') options.limit = Number(argv[++i]);
    else if (arg === '--concurrency') options.concurrency = Number(argv[++i]);
    else if (arg === '--stsb-same') options.stsbSame = Number(argv[++i]);
    else throw new Error(`unknown option ${arg}`);
  }
  return options;
}

/** What asking one sentence gave: a hit (with its similarity) or a miss. */
interface Asked {
  hit: boolean;
  similarity: number;
}

async function pool<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, i: number) => Promise<void>,
) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const i = next++;
        await work(items[i] as T, i);
      }
    }),
  );
}

function policyText(verifier: boolean): string {
  return `apiVersion: semantic-router.io/v1
kind: RoutingPolicy
metadata: { name: eval-cache }
models:
  - { name: model, endpoint: { cluster: model } }
defaultDecision:
  models: [model]
cache:
  scope: tenant
  threshold: ${FLOOR}
  verifier: { enabled: ${verifier} }
`;
}

interface RunResult {
  pairs: Map<LabelledPair, Asked>;
  variants: { kind: VariantKind; hit: boolean; similarity: number }[];
}

/** One router, every pair in its own tenant: store the first sentences, ask the second ones and the variants. */
async function run(pairs: readonly LabelledPair[], verifier: boolean, options: Options): Promise<RunResult> {
  const { envoy, close } = await startRouterBehindEnvoy(policyText(verifier));
  const ask = async (text: string, tenant: string): Promise<Asked> => {
    const result = await envoy.exchange(
      chatRequest(text, {}, { headers: { 'x-tenant-id': tenant } }),
      echoUpstream,
    );
    const hit = result.response.headers['x-router-cache'] === 'hit';
    return { hit, similarity: hit ? Number(result.response.headers['x-router-cache-similarity']) : 0 };
  };
  try {
    const started = performance.now();
    await pool(pairs, options.concurrency, async (pair, i) => {
      await ask(pair.a, `pair-${i}`);
    });
    // Answers are stored after their exchange, off its path: let the last ones land.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const asked = new Map<LabelledPair, Asked>();
    await pool(pairs, options.concurrency, async (pair, i) => {
      asked.set(pair, await ask(pair.b, `pair-${i}`));
    });
    const variants: RunResult['variants'] = [];
    const jobs = pairs.flatMap((pair, i) =>
      variantsOf(pair.a)
        .filter((variant) => variant.text !== pair.a)
        .map((variant) => ({ ...variant, tenant: `pair-${i}` })),
    );
    await pool(jobs, options.concurrency, async (job) => {
      variants.push({ kind: job.kind, ...(await ask(job.text, job.tenant)) });
    });
    const seconds = (performance.now() - started) / 1000;
    const exchanges = pairs.length * 2 + jobs.length;
    console.error(
      `verifier ${verifier ? 'on' : 'off'}: ${exchanges} exchanges in ${seconds.toFixed(1)} s (${(exchanges / seconds).toFixed(0)}/s)`,
    );
    return { pairs: asked, variants };
  } finally {
    await close();
  }
}

interface Score {
  threshold: number;
  precision: number;
  recall: number;
  hits: number;
}

function score(pairs: readonly LabelledPair[], asked: Map<LabelledPair, Asked>, threshold: number): Score {
  let hits = 0;
  let correct = 0;
  let positives = 0;
  for (const pair of pairs) {
    if (pair.same) positives++;
    const result = asked.get(pair);
    if (!result?.hit || result.similarity < threshold) continue;
    hits++;
    if (pair.same) correct++;
  }
  return {
    threshold,
    precision: hits === 0 ? 1 : correct / hits,
    recall: correct / Math.max(1, positives),
    hits,
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

function table(title: string, pairs: readonly LabelledPair[], on: RunResult, off: RunResult): Score[] {
  const positives = pairs.filter((p) => p.same).length;
  console.log(`\n${title}: ${pairs.length} pairs (${positives} the same)`);
  console.log('threshold  precision  recall   hits  | without verifier: precision  recall   hits');
  const scores: Score[] = [];
  for (const threshold of THRESHOLDS) {
    const a = score(pairs, on.pairs, threshold);
    const b = score(pairs, off.pairs, threshold);
    scores.push(a);
    console.log(
      `${threshold.toFixed(2).padStart(9)}  ${pct(a.precision).padStart(9)}  ${pct(a.recall).padStart(6)}  ${String(a.hits).padStart(5)}  |                   ${pct(b.precision).padStart(9)}  ${pct(b.recall).padStart(6)}  ${String(b.hits).padStart(5)}`,
    );
  }
  return scores;
}

function variantReport(title: string, result: RunResult, threshold: number): void {
  const kinds: VariantKind[] = ['negated', 'number-changed', 'entity-swapped'];
  const served = (v: RunResult['variants'][number]) => v.hit && v.similarity >= threshold;
  const parts = kinds.map((kind) => {
    const of = result.variants.filter((v) => v.kind === kind);
    const hits = of.filter(served).length;
    return `${kind} ${hits}/${of.length} (${pct(hits / Math.max(1, of.length))})`;
  });
  const all = result.variants.filter(served).length;
  console.log(`${title}: ${parts.join(', ')}; all ${pct(all / Math.max(1, result.variants.length))}`);
}

/**
 * Each verifier rule on the tuning part, on the texts alone (every pair, whatever its similarity):
 * how many pairs that ask the same it refuses (false refusals) and how many that differ (true
 * refusals), and how many of each it alone refuses (what relaxing only that rule would serve).
 */
function ruleReport(pairs: readonly LabelledPair[]): void {
  const counts = new Map<
    Refusal['reason'],
    { same: number; different: number; soleSame: number; soleDifferent: number }
  >();
  for (const pair of pairs) {
    if (normalisedQuestion(pair.a) === normalisedQuestion(pair.b)) continue;
    const reasons = [
      ...new Set(compareFacts(textFacts(pair.a), textFacts(pair.b)).refusals.map((r) => r.reason)),
    ];
    for (const reason of reasons) {
      let count = counts.get(reason);
      if (!count) {
        count = { same: 0, different: 0, soleSame: 0, soleDifferent: 0 };
        counts.set(reason, count);
      }
      if (pair.same) count.same++;
      else count.different++;
      if (reasons.length === 1) {
        if (pair.same) count.soleSame++;
        else count.soleDifferent++;
      }
    }
  }
  const same = pairs.filter((p) => p.same).length;
  console.log(
    `\nVerifier rules on the tuning part (${same} pairs the same, ${pairs.length - same} different; every pair, whatever its similarity):`,
  );
  console.log('rule        refuses same  refuses different  | its refusal alone: same  different');
  for (const [reason, c] of [...counts].sort((x, y) => y[1].same - x[1].same))
    console.log(
      `${reason.padEnd(10)}  ${String(c.same).padStart(12)}  ${String(c.different).padStart(17)}  |  ${String(c.soleSame).padStart(21)}  ${String(c.soleDifferent).padStart(9)}`,
    );
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const { tune, heldOut } = splitPairs(readPairs(options.stsbSame));
  const limited = (pairs: LabelledPair[]) => pairs.slice(0, options.limit);
  const tuning = limited(tune);
  const held = limited(heldOut);
  const all = [...tuning, ...held];
  ruleReport(tuning);
  const on = await run(all, true, options);
  const off = await run(all, false, options);
  const tuned = table('Tuning part (thresholds are chosen here)', tuning, on, off);
  // The lowest threshold reaching the target precision on the tuning part; failing that, the most
  // precise one that still serves at least MIN_HITS hits there.
  const chosen =
    tuned.find((s) => s.precision >= TARGET_PRECISION && s.hits > 0) ??
    tuned.filter((s) => s.hits >= MIN_HITS).sort((a, b) => b.precision - a.precision)[0];
  const defaultThreshold = CacheParams.parse({}).threshold;
  const heldScores = table('Held-out part (never used for a choice)', held, on, off);
  for (const source of ['MRPC', 'STS-B'] as const) {
    const of = held.filter((p) => p.source === source);
    const at = score(of, on.pairs, defaultThreshold);
    console.log(
      `  held-out ${source} at ${defaultThreshold}: precision ${pct(at.precision)}, recall ${pct(at.recall)} (${of.length} pairs)`,
    );
  }
  console.log(
    `\nChosen on the tuning part (lowest threshold reaching ${pct(TARGET_PRECISION)} precision, else the most precise with ${MIN_HITS}+ hits): ${chosen?.threshold ?? 'none'}; the policy's default is ${defaultThreshold}`,
  );
  const atDefault =
    heldScores.find((s) => s.threshold === defaultThreshold) ?? score(held, on.pairs, defaultThreshold);
  const offDefault = score(held, off.pairs, defaultThreshold);
  console.log(
    `Held-out at the default threshold ${defaultThreshold}: precision ${pct(atDefault.precision)}, recall ${pct(atDefault.recall)} with the verifier; ${pct(offDefault.precision)} / ${pct(offDefault.recall)} without`,
  );
  const falseOn = atDefault.hits - Math.round(atDefault.recall * held.filter((p) => p.same).length);
  const falseOff = offDefault.hits - Math.round(offDefault.recall * held.filter((p) => p.same).length);
  console.log(
    `The verifier removes ${falseOff - falseOn} of ${falseOff} false hits (${pct((falseOff - falseOn) / Math.max(1, falseOff))}) and costs ${pct(offDefault.recall - atDefault.recall)} of recall at the default threshold`,
  );
  console.log(
    `\nVariants of stored sentences served as hits (all pairs), at the default threshold ${defaultThreshold}:`,
  );
  variantReport('  with the verifier', on, defaultThreshold);
  variantReport('  without it', off, defaultThreshold);
  console.log(`At the floor ${FLOOR}:`);
  variantReport('  with the verifier', on, FLOOR);
}

await main();
