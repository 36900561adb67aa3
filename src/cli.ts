#!/usr/bin/env node
import { createReadStream, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import cliProgress from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import { CacheParams } from './cache/cache-params.ts';
import { calibrate, readCalibrationPairs } from './cache/calibrate.ts';
import { CLASSIFY_TASKS, type ClassifyTask, classifyAll, parseClassifyLine } from './classify.ts';
import { relaunchWhenCommandLineIsLong } from './cli-relaunch.ts';
import { explainPrompts, readPromptsJsonl } from './explain.ts';
import { DEFAULT_HOST, DEFAULT_POLICY_FILE, DEFAULT_SHUTDOWN_GRACE_MS, startRouter } from './main.ts';
import type { Embedder } from './models/embedder.ts';
import { sharedModelLibrary } from './models/shared-model-library.ts';
import { describeStaleHead, staleHeads } from './models/stale-heads.ts';
import { ensureStaticEncoder } from './models/static-encoder/ensure-static-encoder.ts';
import { STATIC_ENCODER_DIR, STATIC_ENCODER_FILES } from './models/static-encoder/static-encoder-files.ts';
import { createLogger } from './observability/logger.ts';
import { loadPolicyEncoder, loadVettedPolicyFile } from './policy/load.ts';
import { formatIssue, PolicyError } from './policy/policy-error.ts';
import { policyJsonSchema, renderPolicyReference } from './policy/reference.ts';
import { builtinRegistry } from './registry.ts';
import { trainNameTaggerCommand } from './train-name-tagger.ts';
import { trainProjectionCommand } from './train-projection.ts';
import { defaultDataFiles, HEAD_DIRS, HEAD_TASKS, type HeadTask, trainTask } from './training/head-tasks.ts';
import { formatClassificationReport, formatDetection } from './training/metrics.ts';

relaunchWhenCommandLineIsLong();

function seconds(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new InvalidArgumentError('a positive number of seconds');
  return parsed;
}

/** The admin token: from a file (`--admin-token-file`) or the environment, trimmed; undefined if neither. */
function adminToken(file: string | undefined): string | undefined {
  const token = file === undefined ? process.env.SEMANTIC_ROUTER_ADMIN_TOKEN : readFileSync(file, 'utf8');
  const trimmed = token?.trim();
  if (trimmed === '') throw new Error(`the admin token ${file ? `in ${file} ` : ''}is empty`);
  return trimmed;
}

function port(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535)
    throw new InvalidArgumentError('not a port number');
  return parsed;
}

function collectHeader(value: string, previous: Record<string, string>): Record<string, string> {
  const at = value.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError('headers are written name=value');
  return { ...previous, [value.slice(0, at).trim().toLowerCase()]: value.slice(at + 1).trim() };
}

function parseUnitInterval(value: string): number {
  const parsed = Number(value);
  if (!(parsed > 0 && parsed <= 1)) throw new InvalidArgumentError('a number in (0, 1]');
  return parsed;
}

function reportPolicyError(error: unknown): never {
  if (error instanceof PolicyError) {
    for (const issue of error.issues) console.error(formatIssue(issue, error.source));
  } else console.error((error as Error).message ?? String(error));
  process.exit(1);
}

/**
 * Waits for the models the loaded policy asked for; says on stderr which ones failed (their signals
 * will not match) and which heads run over another build of their encoder than they were trained over.
 */
async function reportUnavailableModels(): Promise<number> {
  const library = sharedModelLibrary();
  const failed = await library.settled();
  for (const handle of failed)
    console.error(`warning: ${handle.description} unavailable: ${handle.error()?.message}`);
  const { encoders, classifiers } = await library.ready();
  for (const stale of staleHeads(classifiers, encoders))
    console.error(`warning: ${describeStaleHead(stale)}`);
  return failed.length;
}

/** The encoder a head trains over: the policy's (`--policy`), or the embedded one, built first if missing. */
async function trainingEncoder(policyFile: string | undefined): Promise<Embedder> {
  if (policyFile !== undefined) return loadPolicyEncoder(policyFile, builtinRegistry);
  ensureStaticEncoder(STATIC_ENCODER_DIR, (dir) => console.error(`building the static encoder into ${dir}…`));
  return sharedModelLibrary().staticEncoder().get();
}

const program = new Command()
  .name('semantic-router')
  .description(
    'Semantic router for LLM traffic: an Envoy external processor that routes chat requests by policy.',
  )
  .showHelpAfterError();

program
  .command('serve')
  .description('serve ext_proc (gRPC) for Envoy, and the admin endpoints (/healthz, /readyz, /metrics)')
  .option('--policy <file>', 'policy file (reloaded when it changes)', DEFAULT_POLICY_FILE)
  .option('--grpc-port <port>', 'ext_proc and gRPC health port', port, 50051)
  .option('--admin-port <port>', 'admin HTTP port', port, 9190)
  .option('--host <address>', 'address of both listeners (0.0.0.0 for every interface)', DEFAULT_HOST)
  .option('--admin-host <address>', 'address of the admin listener (default: --host)')
  .option(
    '--admin-token-file <file>',
    'bearer token required for /metrics and the RouterAdmin API (or SEMANTIC_ROUTER_ADMIN_TOKEN); without one they answer loopback callers only',
  )
  .option(
    '--stream-idle-timeout <seconds>',
    'close an ext_proc stream without a message for this long',
    seconds,
    600,
  )
  .option(
    '--shutdown-grace <seconds>',
    'on SIGTERM, let in-flight exchanges finish for this long',
    seconds,
    DEFAULT_SHUTDOWN_GRACE_MS / 1000,
  )
  .option('--log-level <level>', 'fatal, error, warn, info, debug or trace', 'info')
  .option('--no-watch', 'do not reload the policy when the file changes')
  .action(async (options) => {
    const logger = createLogger(options.logLevel);
    let token: string | undefined;
    try {
      token = adminToken(options.adminTokenFile);
    } catch (error) {
      console.error((error as Error).message);
      process.exit(2);
    }
    const router = await startRouter({
      policyFile: options.policy,
      grpcHost: options.host,
      grpcPort: options.grpcPort,
      adminHost: options.adminHost ?? options.host,
      adminPort: options.adminPort,
      ...(token !== undefined && { adminToken: token }),
      streamIdleTimeoutMs: options.streamIdleTimeout * 1000,
      shutdownGraceMs: options.shutdownGrace * 1000,
      watch: options.watch,
      logger,
    }).catch(reportPolicyError);
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: exiting without waiting for open streams');
        process.exit(1);
      }
      stopping = true;
      logger.info({ signal, graceSeconds: options.shutdownGrace }, 'shutting down: draining open streams');
      router.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });

program
  .command('validate')
  .description('check a policy file; prints every error with its line, exits 1 if there is any')
  .argument('<file>', 'policy file')
  .action(async (file: string) => {
    let policy: Awaited<ReturnType<typeof loadVettedPolicyFile>>;
    try {
      policy = await loadVettedPolicyFile(file, builtinRegistry);
    } catch (error) {
      reportPolicyError(error);
    }
    for (const warning of policy.warnings) console.error(formatIssue(warning, file));
    // The router would serve such a policy (the signals of a missing model never match), but its author should know.
    if ((await reportUnavailableModels()) > 0) process.exit(1);
    console.log(
      `${file}: ok (${policy.models.size} models, ${policy.signals.length} signals, ${policy.decisions.length} decisions + default)`,
    );
  });

program
  .command('explain')
  .description('show how prompts would be routed: one JSON line {id, decision, model, signals} per prompt')
  .argument('[prompt]', 'a prompt (sent as the only user message)')
  .option('--policy <file>', 'policy file', DEFAULT_POLICY_FILE)
  .option('--jsonl <file>', 'prompts, one JSON object per line: {id, text} or {id, messages} (- for stdin)')
  .option('--model <name>', 'the model the request names', 'auto')
  .option('-H, --header <name=value>', 'a request header (repeatable)', collectHeader, {})
  .action(async (prompt: string | undefined, options) => {
    let policy: Awaited<ReturnType<typeof loadVettedPolicyFile>>;
    try {
      policy = await loadVettedPolicyFile(options.policy, builtinRegistry);
    } catch (error) {
      reportPolicyError(error);
    }
    await reportUnavailableModels();
    if ((prompt === undefined) === (options.jsonl === undefined)) {
      console.error('give either a prompt or --jsonl FILE');
      process.exit(2);
    }
    let inputs: ReturnType<typeof readPromptsJsonl>;
    try {
      inputs = options.jsonl
        ? readPromptsJsonl(readFileSync(options.jsonl === '-' ? 0 : options.jsonl, 'utf8'))
        : [{ id: '1', text: prompt ?? '' }];
    } catch (error) {
      console.error(`${options.jsonl}: ${(error as Error).message}`);
      process.exit(2);
    }
    for await (const line of explainPrompts(policy, inputs, {
      model: options.model,
      headers: options.header,
    })) {
      process.stdout.write(`${JSON.stringify(line)}\n`);
    }
  });

program
  .command('classify')
  .description('classify texts with a shipped or trained model: one JSON line {id, label, score} per input')
  .argument('<task>', `what to tell: ${CLASSIFY_TASKS.join(', ')}`)
  .requiredOption('--jsonl <file>', 'inputs, one JSON object per line: {id, text} (- for standard input)')
  .option(
    '--model <dir>',
    'folder of a head trained with `train` (domain and jailbreak; the shipped head by default)',
  )
  .option('--policy <file>', 'the policy whose encoder the head was trained over (`train --policy`)')
  .action(async (task: string, options: { jsonl: string; model?: string; policy?: string }) => {
    if (!(CLASSIFY_TASKS as readonly string[]).includes(task)) {
      console.error(`unknown task ${task}; one of ${CLASSIFY_TASKS.join(', ')}`);
      process.exit(2);
    }
    const input = createInterface({
      input: options.jsonl === '-' ? process.stdin : createReadStream(options.jsonl),
      crlfDelay: Number.POSITIVE_INFINITY,
    });
    // Iterate from now on: lines read while the model loads are queued, not lost (Node 22+ readline
    // drops the lines emitted before an iterator exists).
    const pending = input[Symbol.asyncIterator]();
    let failures = 0;
    async function* lines() {
      let lineNumber = 0;
      for await (const line of { [Symbol.asyncIterator]: () => pending }) {
        lineNumber++;
        if (line.trim() !== '') yield parseClassifyLine(line, lineNumber);
      }
    }
    try {
      for await (const output of classifyAll(task as ClassifyTask, lines(), {
        ...(options.model ? { modelDir: options.model } : {}),
        ...(options.policy ? { policyFile: options.policy } : {}),
      })) {
        if ('error' in output) {
          failures++;
          console.error(output.error);
        }
        process.stdout.write(`${JSON.stringify(output)}\n`);
      }
    } catch (error) {
      console.error((error as Error).message);
      process.exit(1);
    }
    // Every input got a line; bad ones are counted in the exit status.
    if (failures > 0) process.exit(1);
  });

program
  .command('models')
  .description('manage the embedded models')
  .command('build')
  .description('build the embedded sentence encoder into models/ (done at first start otherwise)')
  .option('--force', 'rebuild even if a complete build is there')
  .action((options: { force?: boolean }) => {
    if (options.force) rmSync(STATIC_ENCODER_DIR, { recursive: true, force: true });
    const result = ensureStaticEncoder(STATIC_ENCODER_DIR, (directory) =>
      console.error(`building ${directory} ...`),
    );
    const card = JSON.parse(readFileSync(join(STATIC_ENCODER_DIR, STATIC_ENCODER_FILES.card), 'utf8')) as {
      files: Record<string, string>;
    };
    console.log(
      `${STATIC_ENCODER_DIR}: ${result.built ? `built in ${result.seconds.toFixed(1)} s` : 'already built'}; ${Object.entries(
        card.files,
      )
        .map(([name, digest]) => `${name} sha256 ${digest}`)
        .join(', ')}`,
    );
  });

const cacheCommand = program.command('cache').description('the semantic cache');
cacheCommand
  .command('calibrate')
  .description(
    "print, per category and overall, the lowest similarity threshold at which the cache's hits reach a precision on labelled pairs of your own traffic (the policy's encoder and verifier)",
  )
  .requiredOption('--pairs <file>', 'labelled pairs, one JSON object per line: {a, b, same, category?}')
  .option('--policy <file>', 'policy file (its encoder and cache verifier)', DEFAULT_POLICY_FILE)
  .option('--precision <p>', 'the precision to reach', parseUnitInterval, 0.97)
  .action(async (options: { pairs: string; policy: string; precision: number }) => {
    let pairs: ReturnType<typeof readCalibrationPairs>;
    let verifier: Parameters<typeof calibrate>[2];
    try {
      pairs = readCalibrationPairs(readFileSync(options.pairs, 'utf8'));
      const { policy } = await loadVettedPolicyFile(options.policy, builtinRegistry);
      const settings = CacheParams.parse(policy.cache ?? {}).verifier;
      verifier = settings.enabled ? settings : undefined;
    } catch (error) {
      if (error instanceof PolicyError) reportPolicyError(error);
      console.error(`${options.pairs}: ${(error as Error).message}`);
      process.exit(2);
    }
    const embedder = await loadPolicyEncoder(options.policy, builtinRegistry);
    const results = await calibrate(pairs, embedder, verifier, options.precision);
    const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
    console.log(
      `category              pairs   same  threshold  precision  recall   (target ${pct(options.precision)})`,
    );
    for (const r of results) {
      console.log(
        `${r.category.padEnd(20)} ${String(r.pairs).padStart(6)} ${String(r.same).padStart(6)}  ${(r.threshold?.toFixed(3) ?? 'none').padStart(9)}  ${pct(r.precision).padStart(9)}  ${pct(r.recall).padStart(6)}`,
      );
    }
  });

program
  .command('schema')
  .description('print the policy JSON Schema (for editor completion and CI checks)')
  .action(() => {
    process.stdout.write(`${JSON.stringify(policyJsonSchema(builtinRegistry), null, 2)}\n`);
  });

program
  .command('reference')
  .description('print the policy reference in Markdown (docs/policy-reference.md)')
  .action(() => {
    process.stdout.write(renderPolicyReference(builtinRegistry));
  });

type TrainTask = HeadTask | 'projection' | 'pii' | 'selection';

const OTHER_TRAIN_TASKS = ['projection', 'pii', 'selection'];

function trainTaskName(value: string): TrainTask {
  if (!OTHER_TRAIN_TASKS.includes(value) && !(HEAD_TASKS as readonly string[]).includes(value))
    throw new InvalidArgumentError(`one of ${[...HEAD_TASKS, ...OTHER_TRAIN_TASKS].join(', ')}`);
  return value as TrainTask;
}

function seed(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new InvalidArgumentError('a non-negative integer');
  return parsed;
}

function folds(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > 100)
    throw new InvalidArgumentError('an integer 1..100');
  return parsed;
}

program
  .command('train')
  .description(
    'train a classifier head over the embedded encoder (or a policy\'s): domain or jailbreak (shipped data, into models/), or custom ({"text","label"} JSON lines)',
  )
  .argument(
    '<task>',
    "domain, jailbreak or custom; projection (the embedded encoder's, from STS-B pairs); pii (the named-entity tagger, from the PII data); or selection (the quality head of cost-aware and bandit selection, from --outcomes)",
    trainTaskName,
  )
  .option(
    '--data <files...>',
    'training data (JSON lines); domain, jailbreak and projection default to ../shared/data',
  )
  .option(
    '--out <dir>',
    'output folder (domain and jailbreak default to models/<task>, projection to models/glove-sif-100d-projection, pii to models/pii-names)',
  )
  .option('--seed <n>', 'random seed', seed, 1)
  .option(
    '--outcomes <files...>',
    'selection: outcome files (JSON lines {id, prompt, outcomes: {model: 0..1}, output_tokens?, group?}); scripts/routing-outcomes.ts writes them from ../shared/data/routing',
  )
  .option(
    '--folds <k>',
    "cross-fit k models (2..100) and ship their average; thresholds then rest on every training row (default: the task's: 5 for jailbreak, 1 otherwise)",
    folds,
  )
  .option(
    '--policy <file>',
    "train over the sentence encoder this policy names (its `encoder:`), so the head's signals run under that policy",
  )
  .action(
    async (
      task: TrainTask,
      options: {
        data?: string[];
        out?: string;
        seed: number;
        folds?: number;
        policy?: string;
        outcomes?: string[];
      },
      command: Command,
    ) => {
      if (task === 'selection') {
        if (!options.outcomes?.length) {
          console.error('train selection needs --outcomes FILE...');
          process.exit(2);
        }
        const encoder = await trainingEncoder(options.policy).catch(reportPolicyError);
        const { trainSelectionHead, SELECTION_HEAD_DIR } = await import('./training/selection-task.ts');
        const out = options.out ?? SELECTION_HEAD_DIR;
        const card = await trainSelectionHead(
          { files: options.outcomes, out, encoder, seed: options.seed },
          (line) => console.error(line),
        );
        console.log(
          `selection: wrote ${out} (${card.labels.length} models, ${card.split.trainRows} training rows)`,
        );
        return;
      }
      if (task === 'projection') {
        // The projection is the embedded encoder's, trained full-batch from the identity: nothing to seed or fold.
        const ignored = ['policy', 'folds', 'seed'].filter(
          (name) => command.getOptionValueSource(name) === 'cli',
        );
        if (ignored.length > 0) {
          console.error(
            `train projection takes --data and --out only, not ${ignored.map((n) => `--${n}`).join(', ')}`,
          );
          process.exit(2);
        }
        return trainProjectionCommand(options).catch(reportPolicyError);
      }
      if (task === 'pii') return trainNameTaggerCommand(options);
      const files = options.data ?? defaultDataFiles(task);
      const out = options.out ?? (task === 'custom' ? undefined : HEAD_DIRS[task]);
      if (files.length === 0 || out === undefined) {
        console.error('custom heads need --data FILE... and --out DIR');
        process.exit(2);
      }
      const encoder = await trainingEncoder(options.policy).catch(reportPolicyError);
      // A head reads token pooling only from an encoder that has it.
      const sentenceOnly = encoder.encode === undefined;
      if (sentenceOnly)
        console.error(`${encoder.id} has no token pooling: the head reads its sentence vectors`);
      // Progress bars on a terminal; plain lines (one per epoch) when stderr is a file or a pipe.
      const tty = process.stderr.isTTY === true;
      const bars = new cliProgress.MultiBar(
        { format: '{phase} [{bar}] {value}/{total} {detail}', hideCursor: true, clearOnComplete: false },
        cliProgress.Presets.shades_classic,
      );
      let features: cliProgress.SingleBar | undefined;
      let epochs: cliProgress.SingleBar | undefined;
      try {
        const { card, result } = await trainTask(
          {
            task,
            files,
            out,
            seed: options.seed,
            encoder,
            ...(options.folds ? { folds: options.folds } : {}),
            ...(sentenceOnly ? { inputs: 'sentence' as const } : {}),
          },
          (progress) => {
            if (progress.phase === 'features') {
              if (!tty) return;
              features ??= bars.create(progress.total, 0, { phase: 'features', detail: '' });
              features.update(progress.done);
              return;
            }
            const e = progress.epoch;
            const model = progress.parts > 1 ? `model ${progress.part}/${progress.parts} ` : '';
            const detail = `train loss ${e.trainLoss.toFixed(4)}, held-out loss ${e.innerLoss.toFixed(4)}, held-out accuracy ${(e.innerAccuracy * 100).toFixed(1)}%`;
            if (!tty) {
              console.error(`${model}epoch ${e.epoch}/${e.maxEpochs}: ${detail}`);
              return;
            }
            if (epochs === undefined || e.epoch === 1)
              epochs = bars.create(e.maxEpochs, 0, { phase: `${model}epochs`, detail: '' });
            epochs.update(e.epoch, { detail });
          },
        );
        bars.stop();
        console.log(
          `\n${card.name}: wrote ${out} in ${result.seconds.toFixed(0)} s (best epoch ${result.models.map((m) => m.bestEpoch).join(', ')})`,
        );
        console.log(formatClassificationReport(result.evaluation.classification));
        for (const [name, report] of Object.entries(result.evaluation.variants))
          console.log(`${name}: accuracy ${(report.accuracy * 100).toFixed(1)}%`);
        if (card.decision)
          console.log(`threshold on P(not ${card.decision.negativeLabel}): ${card.decision.threshold}`);
        for (const [name, report] of Object.entries(result.evaluation.detection ?? {}))
          console.log(formatDetection(name, report));
      } catch (error) {
        bars.stop();
        console.error((error as Error).message);
        process.exit(1);
      }
    },
  );

program
  .command('replay')
  .description(
    'replay logged outcomes through model selection offline: quality, cost and model shares of cost-aware selection, of the bandit learning online with bandit feedback, and of a prompt-blind Thompson sampler, against each model alone, random and the oracle; a table, an SVG frontier, and one JSON line last',
  )
  .requiredOption(
    '--outcomes <file>',
    'outcome rows (JSON lines {id, prompt, category?, outcomes: {model: 0..1}, output_tokens?})',
  )
  .requiredOption(
    '--prices <file>',
    'USD per 1M input/output tokens per model (the format of ../shared/data/routing/prices.json)',
  )
  .option(
    '--policy <file>',
    "replay a decision of this policy (its candidates, quality head, λ); without one, the file's models and a head trained on its training side",
  )
  .option('--decision <name>', 'the decision replayed (with --policy; default: the default decision)')
  .option('--sweep', 'sweep λ from the best model to the cheapest')
  .option('--lambda <value>', 'λ of a single run (without --sweep)', Number)
  .option(
    '--train-also <files...>',
    'without --policy: more outcome files whose training side trains the head too',
  )
  .option('--svg <file>', 'where the frontier plot goes', 'replay-frontier.svg')
  .option('--seed <n>', 'random seed (training, online order)', seed, 1)
  .action(async (options) => {
    const { replayCommand } = await import('./replay-command.ts');
    const encoder = await trainingEncoder(undefined);
    await replayCommand(options, encoder).catch((error: Error) => {
      console.error(error.message);
      process.exit(1);
    });
  });

await program.parseAsync();
