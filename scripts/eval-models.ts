/**
 * Evaluates the committed classifier heads (models/domain, models/jailbreak) on their validation
 * split of the shared training data, loading them the way the router does (`loadTextClassifier`
 * over the embedded static encoder), then runs the PII evaluation.
 *
 *   npm run eval -- [--domain FILE] [--jailbreak FILE] [--no-pii]
 *
 * The validation split is the one the heads were trained without: the deterministic group/hash
 * split recorded in each card. For jailbreak it prints the detection rate at the card's threshold
 * overall, on length slices (short attacks, long benign prompts) and on synthetic slices built
 * from validation rows only, and on hand-written probes (`jailbreak-probes.ts`, and
 * `request-probes.ts`: harmful requests beyond the data's topics and benign look-alikes).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TextEncoding } from '../src/models/embedder.ts';
import type { HeadDecision } from '../src/models/heads/head-card.ts';
import { loadTextClassifier, type TrainedTextClassifier } from '../src/models/heads/load-text-classifier.ts';
import { ensureStaticEncoder } from '../src/models/static-encoder/ensure-static-encoder.ts';
import { StaticEncoder } from '../src/models/static-encoder/static-encoder.ts';
import { STATIC_ENCODER_DIR } from '../src/models/static-encoder/static-encoder-files.ts';
import { evaluateHead, type ScoreTexts } from '../src/training/head-evaluation.ts';
import { defaultDataFiles, HEAD_DIRS, type HeadTask, validationRows } from '../src/training/head-tasks.ts';
import { detectionAt, formatClassificationReport, formatDetection } from '../src/training/metrics.ts';
import { PROBE_ATTACKS, PROBE_BENIGN, PROBE_BENIGN_SHORT } from './jailbreak-probes.ts';
import { HARMFUL_REQUESTS, LOOKALIKE_REQUESTS } from './request-probes.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function parseArgs(argv: string[]): { files: Record<'domain' | 'jailbreak', string[]>; pii: boolean } {
  const files = { domain: defaultDataFiles('domain'), jailbreak: defaultDataFiles('jailbreak') };
  let pii = true;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--domain') files.domain = [argv[++i] ?? ''];
    else if (arg === '--jailbreak') files.jailbreak = [argv[++i] ?? ''];
    else if (arg === '--no-pii') pii = false;
    else throw new Error(`unknown argument ${arg}`);
  }
  return { files, pii };
}

function scorer(head: TrainedTextClassifier, encoder: StaticEncoder): ScoreTexts {
  return async (texts) => {
    const out: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += 128) {
      const chunk = texts.slice(start, start + 128);
      const encodings = await encoder.encode(chunk);
      const results = await head.classify(
        chunk.map((text, i) => ({ text, ...(encodings[i] as TextEncoding) })),
      );
      for (const result of results)
        out.push(Float32Array.from(head.labels, (label) => result.scores[label] ?? 0));
    }
    return out;
  };
}

async function evaluate(task: HeadTask & ('domain' | 'jailbreak'), files: string[], encoder: StaticEncoder) {
  const head = await loadTextClassifier(HEAD_DIRS[task]);
  if (head.encoderName !== encoder.id.split('@')[0])
    throw new Error(`${head.id} reads ${head.encoderName} vectors, not ${encoder.id}`);
  const { rows } = validationRows(task, files);
  const started = performance.now();
  const evaluation = await evaluateHead(head.labels, rows, scorer(head, encoder), head.decision);
  const seconds = (performance.now() - started) / 1000;
  console.log(`\n== ${head.id} on ${rows.length} validation rows (${seconds.toFixed(1)} s) ==`);
  console.log(formatClassificationReport(evaluation.classification));
  for (const [name, report] of Object.entries(evaluation.variants))
    console.log(
      `${name}: accuracy ${(report.accuracy * 100).toFixed(1)}%, macro F1 ${(report.macroF1 * 100).toFixed(1)}%`,
    );
  if (head.decision) {
    console.log(`\nflagged = P(not ${head.decision.negativeLabel}) >= ${head.decision.threshold}`);
    for (const [name, report] of Object.entries(evaluation.detection ?? {}))
      console.log(formatDetection(name, report));
    if (task === 'jailbreak') {
      const score = scorer(head, encoder);
      await printProbes(head, score, head.decision);
      await printRequestProbes(head, score, head.decision);
    }
  }
}

/** A request as a user types it: capitalised, with a full stop. */
const asPrompt = (request: string) => `${request.charAt(0).toUpperCase()}${request.slice(1)}.`;

/**
 * Detection on the hand-written requests beyond the data's topics (`request-probes.ts`): harmful
 * requests, and benign look-alikes on the same subjects, listing each look-alike flagged.
 */
async function printRequestProbes(head: TrainedTextClassifier, score: ScoreTexts, decision: HeadDecision) {
  const texts = [...HARMFUL_REQUESTS, ...LOOKALIKE_REQUESTS].map(asPrompt);
  const negative = head.labels.indexOf(decision.negativeLabel);
  const scores = (await score(texts)).map((probabilities) => 1 - (probabilities[negative] ?? 0));
  const positives = texts.map((_, i) => i < HARMFUL_REQUESTS.length);
  console.log(
    formatDetection('requests beyond the data', detectionAt(scores, positives, decision.threshold)),
  );
  texts.forEach((text, i) => {
    if (!positives[i] && (scores[i] as number) >= decision.threshold)
      console.log(`  flagged ${(scores[i] as number).toFixed(3)}  ${text.slice(0, 90)}`);
  });
}

/** Detection on the hand-written probes (not from the data), listing each one the head gets wrong. */
async function printProbes(head: TrainedTextClassifier, score: ScoreTexts, decision: HeadDecision) {
  const texts = [...PROBE_ATTACKS, ...PROBE_BENIGN, ...PROBE_BENIGN_SHORT];
  const negative = head.labels.indexOf(decision.negativeLabel);
  const scores = (await score(texts)).map((probabilities) => 1 - (probabilities[negative] ?? 0));
  const positives = texts.map((_, i) => i < PROBE_ATTACKS.length);
  console.log(formatDetection('hand-written probes', detectionAt(scores, positives, decision.threshold)));
  texts.forEach((text, i) => {
    const flagged = (scores[i] as number) >= decision.threshold;
    if (flagged !== positives[i])
      console.log(
        `  ${flagged ? 'flagged' : 'missed '} ${(scores[i] as number).toFixed(3)}  ${text.slice(0, 90)}`,
      );
  });
}

const options = parseArgs(process.argv.slice(2));
ensureStaticEncoder(STATIC_ENCODER_DIR, (dir) => console.error(`building the static encoder into ${dir}…`));
const encoder = await StaticEncoder.load(STATIC_ENCODER_DIR);
await evaluate('domain', options.files.domain, encoder);
await evaluate('jailbreak', options.files.jailbreak, encoder);
if (options.pii) {
  console.log('\n== PII detectors ==');
  const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'eval-pii.ts')], {
    stdio: 'inherit',
    cwd: ROOT,
  });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
