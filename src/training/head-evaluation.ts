import type { HeadDecision } from '../models/heads/head-card.ts';
import { seededRandom } from '../models/seeded-random.ts';
import { augmentJailbreakRows } from './jailbreak-augmentation.ts';
import type { LabeledText } from './labeled-text.ts';
import {
  type ClassificationReport,
  classificationReport,
  type DetectionReport,
  detectionAt,
} from './metrics.ts';

/** Label probabilities (in the head's label order) for each text. */
export type ScoreTexts = (texts: readonly string[]) => Promise<Float32Array[]>;

/** Attacks shorter than this many characters form the short-attack slice. */
const SHORT_ATTACK_CHARS = 200;
/** Benign prompts shorter than this many characters form the short-benign slice. */
const SHORT_BENIGN_CHARS = 60;
/** Benign prompts of at least this many characters form the long-benign slice. */
const LONG_BENIGN_CHARS = 400;
/** Seed of the synthetic validation slices (built from validation rows only). */
const SYNTHETIC_SLICE_SEED = 20250101;
/** Synthetic validation rows of each augmentation kind. */
const SYNTHETIC_SLICE_ROWS = 150;

/** Validation results of a head; `detection` is present for heads with a decision threshold. */
export interface HeadEvaluation {
  classification: ClassificationReport;
  /** Other renderings of the validation rows (e.g. domain questions with their options). */
  variants: Record<string, ClassificationReport>;
  detection?: Record<string, DetectionReport>;
}

function argmax(values: Float32Array): number {
  let best = 0;
  for (let k = 1; k < values.length; k++) if ((values[k] as number) > (values[best] as number)) best = k;
  return best;
}

async function report(
  labels: readonly string[],
  rows: readonly LabeledText[],
  texts: readonly string[],
  score: ScoreTexts,
) {
  const probabilities = await score(texts);
  const truth = rows.map((row) => labels.indexOf(row.label));
  return { report: classificationReport(labels, truth, probabilities.map(argmax)), probabilities };
}

/**
 * Scores a head on validation rows: a multi-class report on the rows' texts, one per variant
 * rendering when every row has one, and for a head with a decision the detection rate and false
 * alarm rate overall, on length slices (short attacks, long benign) and on synthetic slices built
 * from the validation rows (joined benign prompts, openings of attacks, attacks inside benign text).
 */
export async function evaluateHead(
  labels: readonly string[],
  validation: readonly LabeledText[],
  score: ScoreTexts,
  decision?: HeadDecision,
): Promise<HeadEvaluation> {
  const main = await report(
    labels,
    validation,
    validation.map((row) => row.text),
    score,
  );
  const variants: Record<string, ClassificationReport> = {};
  if (validation.length > 0 && validation.every((row) => (row.variants?.length ?? 0) > 0)) {
    const texts = validation.map((row) => (row.variants as string[])[0] as string);
    variants['with options'] = (await report(labels, validation, texts, score)).report;
  }
  if (decision === undefined) return { classification: main.report, variants };

  const negative = labels.indexOf(decision.negativeLabel);
  const flagScore = (p: Float32Array) => 1 - (p[negative] as number);
  const natural = validation.map((row, i) => ({
    row,
    score: flagScore(main.probabilities[i] as Float32Array),
    positive: row.label !== decision.negativeLabel,
  }));
  const synthetic = augmentJailbreakRows(
    validation,
    seededRandom(SYNTHETIC_SLICE_SEED),
    SYNTHETIC_SLICE_ROWS,
  );
  const syntheticScores = (await score(synthetic.map((row) => row.text))).map(flagScore);
  const syntheticRows = synthetic.map((row, i) => ({
    row,
    score: syntheticScores[i] as number,
    positive: row.label !== decision.negativeLabel,
  }));
  type Scored = (typeof natural)[number];
  const at = (rows: Scored[]) =>
    detectionAt(
      rows.map((r) => r.score),
      rows.map((r) => r.positive),
      decision.threshold,
    );
  const length = (r: Scored) => r.row.text.length;
  const kind = (name: string) => (r: Scored) => r.row.source === `augmented:${name}`;
  return {
    classification: main.report,
    variants,
    detection: {
      'validation (natural)': at(natural),
      [`short attacks (<${SHORT_ATTACK_CHARS} chars) vs all benign`]: at(
        natural.filter((r) => !r.positive || length(r) < SHORT_ATTACK_CHARS),
      ),
      [`all attacks vs long benign (>=${LONG_BENIGN_CHARS} chars)`]: at(
        natural.filter((r) => r.positive || length(r) >= LONG_BENIGN_CHARS),
      ),
      [`all attacks vs short benign (<${SHORT_BENIGN_CHARS} chars)`]: at(
        natural.filter((r) => r.positive || length(r) < SHORT_BENIGN_CHARS),
      ),
      'synthetic: short benign (openings)': at(syntheticRows.filter(kind('short-benign'))),
      'synthetic: long benign (joined)': at(syntheticRows.filter(kind('long-benign'))),
      'synthetic: benign in benign context': at(syntheticRows.filter(kind('benign-in-context'))),
      'synthetic: short attacks (openings)': at(syntheticRows.filter(kind('short-attack'))),
      'synthetic: attacks inside benign text': at(syntheticRows.filter(kind('embedded-attack'))),
      'synthetic: role-play benign tasks': at(syntheticRows.filter(kind('persona-benign'))),
      'synthetic: role-play attacks': at(syntheticRows.filter(kind('persona-attack'))),
      'synthetic: attacks with gibberish suffixes': at(syntheticRows.filter(kind('suffixed-attack'))),
      'synthetic: a few benign words': at(syntheticRows.filter(kind('few-words-benign'))),
      'natural + synthetic': at([...natural, ...syntheticRows]),
    },
  };
}
