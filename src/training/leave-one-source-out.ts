import type { LabeledText } from './labeled-text.ts';
import { type FeatureCache, runTraining, type TrainingRunOptions } from './training-run.ts';

/** How a head trained without one source does on that source, at the threshold its own training chose. */
export interface SourceOutcome {
  source: string;
  attacks: number;
  /** Attacks of the source flagged. */
  caught: number;
  benign: number;
  /** Benign prompts of the source flagged. */
  flagged: number;
  threshold: number;
  /** Rows trained on (every other source), after dropping near-duplicates of the source's rows. */
  trainRows: number;
  droppedNearDuplicates: number;
}

/** The sources of a data set's rows, sorted. */
export function rowSources(rows: readonly LabeledText[]): string[] {
  return [...new Set(rows.map((row) => row.source ?? 'unknown'))].sort();
}

/**
 * Leave-one-source-out: for each source, trains the recipe's head on every other source (the
 * extra and hand-written rows too; rows of other sources that near-duplicate one of the source's
 * rows are dropped) and measures it on all of that source's rows, at the threshold the run chose
 * on its own held-out training rows. The measure of how a head does on traffic unlike its data.
 * Texts are featurised once for all runs.
 */
export async function leaveOneSourceOut(
  run: TrainingRunOptions,
  sources: readonly string[] = rowSources(run.dataset.rows),
  onSource?: (outcome: SourceOutcome) => void,
): Promise<SourceOutcome[]> {
  const detection = run.detection;
  if (detection === undefined) throw new Error('leave-one-source-out needs a detection head');
  const featureCache: FeatureCache = run.featureCache ?? new Map();
  const outcomes: SourceOutcome[] = [];
  for (const source of sources) {
    const held = run.dataset.rows.filter((row) => (row.source ?? 'unknown') === source);
    const rest = run.dataset.rows.filter((row) => (row.source ?? 'unknown') !== source);
    const result = await runTraining({
      ...run,
      partition: { train: rest, validation: held },
      dropNearDuplicates: true,
      featureCache,
    });
    const natural = result.evaluation.detection?.['validation (natural)'];
    if (natural === undefined || result.decision === undefined) throw new Error('no detection figures');
    const outcome: SourceOutcome = {
      source,
      attacks: natural.positives,
      caught: natural.positives === 0 ? 0 : Math.round(natural.recall * natural.positives),
      benign: natural.negatives,
      flagged: natural.negatives === 0 ? 0 : Math.round(natural.falsePositiveRate * natural.negatives),
      threshold: result.decision.threshold,
      trainRows: result.trainRows,
      droppedNearDuplicates: result.droppedNearDuplicates,
    };
    outcomes.push(outcome);
    onSource?.(outcome);
  }
  return outcomes;
}
