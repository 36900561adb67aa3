/**
 * Evaluates the committed classifier heads (models/domain, models/jailbreak) on their validation
 * split of the shared training data, loading them the way the router does (`loadTextClassifier`
 * over the embedded static encoder), then runs the PII evaluation.
 *
 *   npm run eval -- [--domain FILE] [--jailbreak FILE,FILE] [--no-pii] [--no-loso]
 *
 * The validation split is the one the heads were trained without: the deterministic group/hash
 * split recorded in each card. For jailbreak it prints the detection rate at the card's threshold
 * overall, on length slices (short attacks, long benign prompts) and on synthetic slices built
 * from validation rows only, and on hand-written probes (`jailbreak-probes.ts`, and
 * `request-probes.ts`: harmful requests beyond the data's topics and benign look-alikes), per
 * source and for the first data set alone, at the card's suspect and block thresholds, scoring
 * texts as the router reads them (cut to the model text, and in windows when the card has them).
 * Then it runs leave-one-source-out (`leave-one-source-out.ts`; about 45 minutes on two cores,
 * `--no-loso` skips it).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TextEncoding } from '../src/models/embedder.ts';
import type { HeadDecision } from '../src/models/heads/head-card.ts';
import { loadTextClassifier, type TrainedTextClassifier } from '../src/models/heads/load-text-classifier.ts';
import { textWindows } from '../src/models/heads/text-windows.ts';
import { modelName } from '../src/models/model-id.ts';
import { ensureStaticEncoder } from '../src/models/static-encoder/ensure-static-encoder.ts';
import { StaticEncoder } from '../src/models/static-encoder/static-encoder.ts';
import { STATIC_ENCODER_DIR } from '../src/models/static-encoder/static-encoder-files.ts';
import { clipForModel } from '../src/signals/request-embedding.ts';
import { evaluateHead, type ScoreTexts } from '../src/training/head-evaluation.ts';
import { defaultDataFiles, HEAD_DIRS, type HeadTask, validationRows } from '../src/training/head-tasks.ts';
import { detectionAt, formatClassificationReport, formatDetection } from '../src/training/metrics.ts';
import { PROBE_ATTACKS, PROBE_BENIGN, PROBE_BENIGN_SHORT } from './jailbreak-probes.ts';
import { printBySource } from './jailbreak-sources.ts';
import { printLeaveOneSourceOut } from './leave-one-source-out.ts';
import { HARMFUL_REQUESTS, LOOKALIKE_REQUESTS } from './request-probes.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function parseArgs(argv: string[]): {
  files: Record<'domain' | 'jailbreak', string[]>;
  pii: boolean;
  loso: boolean;
} {
  const files = { domain: defaultDataFiles('domain'), jailbreak: defaultDataFiles('jailbreak') };
  let pii = true;
  let loso = true;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--domain') files.domain = [argv[++i] ?? ''];
    else if (arg === '--jailbreak') files.jailbreak = (argv[++i] ?? '').split(',');
    else if (arg === '--no-pii') pii = false;
    else if (arg === '--no-loso') loso = false;
    else throw new Error(`unknown argument ${arg}`);
  }
  return { files, pii, loso };
}

/**
 * Label probabilities of each text as the router reads it: cut to the model text, and for a head
 * whose card has windows, the probabilities of its piece (the text or a window) least likely benign.
 */
function scorer(head: TrainedTextClassifier, encoder: StaticEncoder): ScoreTexts {
  const windows = head.decision?.windows;
  const negative = head.decision?.negativeLabel;
  return async (texts) => {
    const out: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += 64) {
      const pieces = texts.slice(start, start + 64).map((text) => {
        const clipped = clipForModel(text);
        const cuts = windows ? textWindows(clipped, windows) : [];
        return [clipped, ...cuts.map((cut) => clipped.slice(cut.start, cut.end))];
      });
      const flat = pieces.flat();
      const encodings = await encoder.encode(flat);
      const results = await head.classify(
        flat.map((text, i) => ({ text, ...(encodings[i] as TextEncoding) })),
      );
      let at = 0;
      for (const own of pieces) {
        const candidates = results.slice(at, at + own.length);
        at += own.length;
        const best = candidates.reduce((a, b) =>
          negative !== undefined && (b.scores[negative] ?? 0) < (a.scores[negative] ?? 0) ? b : a,
        );
        out.push(Float32Array.from(head.labels, (label) => best.scores[label] ?? 0));
      }
    }
    return out;
  };
}

async function evaluate(task: HeadTask & ('domain' | 'jailbreak'), files: string[], encoder: StaticEncoder) {
  const head = await loadTextClassifier(HEAD_DIRS[task]);
  if (head.encoderName !== modelName(encoder.id))
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
      await printBySource(rows, score, head.labels, head.decision);
      for (const [level, threshold] of [
        ['suspect', head.decision.threshold],
        ['block', head.decision.blockThreshold],
      ] as const) {
        if (threshold === undefined) continue;
        console.log(`\nhand-written probes at the ${level} threshold ${threshold}:`);
        const decision = { ...head.decision, threshold };
        await printProbes(head, score, decision);
        await printRequestProbes(head, score, decision);
      }
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
if (options.loso) await printLeaveOneSourceOut(encoder, 1);
if (options.pii) {
  console.log('\n== PII detectors ==');
  const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'eval-pii.ts')], {
    stdio: 'inherit',
    cwd: ROOT,
  });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
