import type { HeadDecision } from '../models/heads/head-card.ts';
import type { WindowConfig } from '../models/heads/text-windows.ts';
import {
  detectionAt,
  detectionBySource,
  thresholdForEverySource,
  thresholdForFalsePositiveRate,
} from './metrics.ts';

/** How a detection head's thresholds are set: the benign rate flagged on held-out training rows. */
export interface DetectionTarget {
  negativeLabel: string;
  maxFalsePositiveRate: number;
  /**
   * Also choose a block threshold: the lowest that flags at most this share of the held-out benign
   * rows of every source with at least {@link MIN_SOURCE_ROWS} of them (so no kind of traffic is
   * blocked more than that), for policies that refuse requests only at that confidence.
   */
  blockRate?: number;
}

/** Sources with fewer held-out benign rows than this do not set the block threshold (too few to measure). */
const MIN_SOURCE_ROWS = 40;

/** Detection on held-out natural training rows at the chosen threshold. */
export interface HeldOutDetection {
  recall: number;
  flaggedBenign: number;
  attacks: number;
  benign: number;
  /** The same rows at the block threshold, when there is one. */
  atBlockThreshold?: { recall: number; flaggedBenign: number };
  /** Per source: `caught/attacks` or `flagged/benign` at the threshold (and at the block threshold). */
  bySource: Record<string, string>;
}

/** One held-out training row's label probabilities (of its highest-scoring piece), label index and source. */
export interface HeldOutScore {
  probabilities: Float32Array;
  label: number;
  source: string;
}

/**
 * The decision of a detection head, chosen on held-out training rows only (never the validation
 * split): the suspect threshold flags at most `maxFalsePositiveRate` of their benign rows, the
 * block threshold (with `blockRate`) at most that share of each source's; and how the held-out
 * rows fare at both.
 */
export function chooseDecision(
  target: DetectionTarget,
  scores: readonly HeldOutScore[],
  labels: readonly string[],
  folds: number,
  windows: WindowConfig | undefined,
): { decision: HeadDecision; heldOutDetection: HeldOutDetection } {
  const negative = labels.indexOf(target.negativeLabel);
  if (negative < 0) throw new Error(`no label ${target.negativeLabel} in the data`);
  const flagScores = scores.map((s) => 1 - (s.probabilities[negative] as number));
  const positives = scores.map((s) => s.label !== negative);
  const sources = scores.map((s) => s.source);
  const threshold = thresholdForFalsePositiveRate(flagScores, positives, target.maxFalsePositiveRate);
  const report = detectionAt(flagScores, positives, threshold);
  const { blockRate } = target;
  const blockThreshold =
    blockRate === undefined
      ? undefined
      : thresholdForEverySource(flagScores, positives, sources, blockRate, MIN_SOURCE_ROWS);
  const block = blockThreshold === undefined ? undefined : detectionAt(flagScores, positives, blockThreshold);
  const heldOutDetection: HeldOutDetection = {
    recall: Number(report.recall.toFixed(4)),
    flaggedBenign: Number(report.falsePositiveRate.toFixed(4)),
    attacks: report.positives,
    benign: report.negatives,
    ...(block && {
      atBlockThreshold: {
        recall: Number(block.recall.toFixed(4)),
        flaggedBenign: Number(block.falsePositiveRate.toFixed(4)),
      },
    }),
    bySource: detectionBySource(flagScores, positives, sources, threshold, blockThreshold),
  };
  const where =
    folds === 1
      ? 'the benign prompts of the inner split (its natural rows; synthetic rows train only)'
      : `the benign prompts of the training side, each scored by the fold model that did not train on it (natural rows only; ${folds} folds)`;
  const decision: HeadDecision = {
    negativeLabel: target.negativeLabel,
    threshold: Number(threshold.toFixed(6)),
    rule: `flag when P(not ${target.negativeLabel}) >= threshold${windows ? ` in the text or one of its windows (${windows.chars} characters, at most ${windows.max})` : ''}; the threshold is the lowest that flags at most ${(target.maxFalsePositiveRate * 100).toFixed(1)}% of ${where}, never the validation split`,
    ...(windows ? { windows } : {}),
    ...(blockThreshold !== undefined && {
      blockThreshold: Number(blockThreshold.toFixed(6)),
      blockRule: `the lowest threshold that flags at most ${((blockRate as number) * 100).toFixed(1)}% of the held-out benign prompts of every source with at least ${MIN_SOURCE_ROWS} of them (the same held-out scores)`,
    }),
  };
  return { decision, heldOutDetection };
}
