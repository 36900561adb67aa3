import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Embedder } from './models/embedder.ts';
import { MODELS_DIR } from './models/model-files.ts';
import { loadPolicyFile } from './policy/load.ts';
import { builtinRegistry } from './registry.ts';
import { formatReplayTable, renderFrontierSvg, replayJson } from './training/replay-report.ts';
import { type ReplayPolicy, runReplay } from './training/replay-run.ts';

export interface ReplayCommandOptions {
  outcomes: string;
  prices: string;
  policy?: string;
  decision?: string;
  sweep?: boolean;
  lambda?: number;
  svg: string;
  trainAlso?: string[];
  seed: number;
}

/** The decision of a policy to replay: its candidates, its selection's head, λ and bandit settings. */
function replayPolicy(file: string, decisionName: string | undefined): ReplayPolicy {
  const runtime = loadPolicyFile(file, builtinRegistry);
  const { policy } = runtime;
  const decision =
    decisionName === undefined
      ? policy.defaultDecision
      : [...policy.decisions, policy.defaultDecision].find((d) => d.name === decisionName);
  if (!decision) throw new Error(`${file} has no decision ${decisionName}`);
  const selection = decision.selection as Record<string, unknown>;
  const models = new Map(policy.models.map((m) => [m.name, m]));
  const headDir =
    typeof selection.model === 'string'
      ? resolve(dirname(file), selection.model)
      : join(MODELS_DIR, 'selection');
  const costWeight = selection.costWeight as { default?: number } | undefined;
  return {
    candidates: decision.models,
    headDir,
    headLabels: Object.fromEntries(
      decision.models.map((name) => [name, models.get(name)?.quality?.predictedAs ?? name]),
    ),
    lambda: costWeight?.default ?? 1,
    contextWindows: Object.fromEntries(
      decision.models.flatMap((name) => {
        const window = models.get(name)?.contextWindow;
        return window === undefined ? [] : [[name, window]];
      }),
    ),
    bandit: {
      exploration: typeof selection.exploration === 'number' ? selection.exploration : 0.05,
      priorWeight: typeof selection.priorWeight === 'number' ? selection.priorWeight : 40,
      ...(selection.sampling === 'thompson' && { sampling: 'thompson' as const }),
    },
  };
}

/** `semantic-router replay`: prints the table, writes the SVG, and ends with one JSON line. */
export async function replayCommand(options: ReplayCommandOptions, encoder: Embedder): Promise<void> {
  const policy = options.policy === undefined ? undefined : replayPolicy(options.policy, options.decision);
  const { report, description } = await runReplay(
    {
      outcomes: options.outcomes,
      prices: options.prices,
      sweep: options.sweep === true,
      ...(options.lambda !== undefined && { lambda: options.lambda }),
      encoder,
      ...(policy && { policy }),
      ...(options.trainAlso && { trainAlso: options.trainAlso }),
      seed: options.seed,
    },
    (line) => console.error(line),
  );
  console.log(description);
  console.log(formatReplayTable(report));
  writeFileSync(
    options.svg,
    renderFrontierSvg(report, `quality-cost frontier: ${options.outcomes.split('/').pop()}`),
  );
  console.log(`frontier plot: ${options.svg}`);
  console.log(replayJson(report));
}
