/** Precision, recall and F1 of one label, and how many validation examples have it. */
export interface ClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

/** Multi-class results: accuracy, macro F1, per-label metrics, and the confusion matrix (rows: truth, columns: prediction, in `labels` order). */
export interface ClassificationReport {
  examples: number;
  accuracy: number;
  macroF1: number;
  perClass: Record<string, ClassMetrics>;
  labels: string[];
  confusion: number[][];
}

/** Scores predictions against the truth; both arrays hold label indices into `labels`. */
export function classificationReport(
  labels: readonly string[],
  truth: readonly number[],
  predicted: readonly number[],
): ClassificationReport {
  if (truth.length !== predicted.length) throw new Error('truth and predictions differ in length');
  const confusion = labels.map(() => labels.map(() => 0));
  let correct = 0;
  truth.forEach((t, i) => {
    const p = predicted[i] as number;
    (confusion[t] as number[])[p] = ((confusion[t] as number[])[p] as number) + 1;
    if (t === p) correct++;
  });
  const perClass: Record<string, ClassMetrics> = {};
  let f1Sum = 0;
  labels.forEach((label, k) => {
    const tp = (confusion[k] as number[])[k] as number;
    const support = (confusion[k] as number[]).reduce((a, b) => a + b, 0);
    const predictedK = confusion.reduce((sum, row) => sum + (row[k] as number), 0);
    const precision = predictedK === 0 ? 0 : tp / predictedK;
    const recall = support === 0 ? 0 : tp / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    perClass[label] = { precision, recall, f1, support };
    f1Sum += f1;
  });
  return {
    examples: truth.length,
    accuracy: truth.length === 0 ? 0 : correct / truth.length,
    macroF1: labels.length === 0 ? 0 : f1Sum / labels.length,
    perClass,
    labels: [...labels],
    confusion,
  };
}

/** A binary detector at one threshold: recall of positives, share of negatives flagged, and counts. */
export interface DetectionReport {
  threshold: number;
  positives: number;
  negatives: number;
  recall: number;
  falsePositiveRate: number;
}

/** Flags examples whose score is at least `threshold`, and measures it. */
export function detectionAt(
  scores: readonly number[],
  positive: readonly boolean[],
  threshold: number,
): DetectionReport {
  let positives = 0;
  let negatives = 0;
  let caught = 0;
  let falseAlarms = 0;
  scores.forEach((score, i) => {
    if (positive[i]) {
      positives++;
      if (score >= threshold) caught++;
    } else {
      negatives++;
      if (score >= threshold) falseAlarms++;
    }
  });
  return {
    threshold,
    positives,
    negatives,
    recall: positives === 0 ? Number.NaN : caught / positives,
    falsePositiveRate: negatives === 0 ? Number.NaN : falseAlarms / negatives,
  };
}

/**
 * The lowest threshold that flags at most `maxFalsePositiveRate` of the negatives (ties broken
 * upward, so an equal score to a tolerated negative is not flagged twice).
 */
export function thresholdForFalsePositiveRate(
  scores: readonly number[],
  positive: readonly boolean[],
  maxFalsePositiveRate: number,
): number {
  const negatives = scores.filter((_, i) => !positive[i]).sort((a, b) => b - a);
  const allowed = Math.floor(negatives.length * maxFalsePositiveRate);
  // Flagging needs score >= threshold; the threshold sits just above the (allowed+1)-th highest negative.
  const boundary = negatives[allowed];
  if (boundary === undefined) return 0;
  return Math.min(1, boundary + 1e-6);
}

/**
 * The lowest threshold that flags at most `rate` of the negatives of every group (e.g. source) with
 * at least `minRows` negatives: the highest of the groups' own thresholds.
 */
export function thresholdForEverySource(
  scores: readonly number[],
  positive: readonly boolean[],
  groups: readonly string[],
  rate: number,
  minRows: number,
): number {
  let highest = 0;
  for (const group of new Set(groups)) {
    const members = scores.flatMap((score, i) => (groups[i] === group && !positive[i] ? [score] : []));
    if (members.length < minRows) continue;
    highest = Math.max(
      highest,
      thresholdForFalsePositiveRate(
        members,
        members.map(() => false),
        rate,
      ),
    );
  }
  return highest;
}

/** Per group: `caught/attacks` (its positives) or `flagged/benign` (its negatives) at each threshold, as text. */
export function detectionBySource(
  scores: readonly number[],
  positive: readonly boolean[],
  groups: readonly string[],
  threshold: number,
  blockThreshold: number | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const group of [...new Set(groups)].sort()) {
    for (const kind of [true, false]) {
      const members = scores.flatMap((score, i) =>
        groups[i] === group && positive[i] === kind ? [score] : [],
      );
      if (members.length === 0) continue;
      const count = (t: number) => members.filter((score) => score >= t).length;
      const block = blockThreshold === undefined ? '' : `, ${count(blockThreshold)} at the block threshold`;
      out[`${group} ${kind ? 'attacks' : 'benign'}`] = `${count(threshold)}/${members.length}${block}`;
    }
  }
  return out;
}

function percent(value: number): string {
  return Number.isNaN(value) ? '  n/a' : `${(value * 100).toFixed(1).padStart(5)}%`;
}

/** A plain-text rendering of a report: accuracy, per-class table, confusion matrix. */
export function formatClassificationReport(report: ClassificationReport): string {
  const width = Math.max(8, ...report.labels.map((l) => l.length));
  const lines = [
    `accuracy ${percent(report.accuracy)} (${report.examples} examples), macro F1 ${percent(report.macroF1)}`,
    `${'label'.padEnd(width)}  precision  recall      F1  support`,
  ];
  for (const label of report.labels) {
    const m = report.perClass[label] as ClassMetrics;
    lines.push(
      `${label.padEnd(width)}     ${percent(m.precision)}  ${percent(m.recall)}  ${percent(m.f1)}  ${String(m.support).padStart(7)}`,
    );
  }
  const abbreviations = report.labels.map((l) => l.slice(0, 5).padStart(5));
  lines.push(
    `confusion (rows: truth, columns: predicted)`,
    `${''.padEnd(width)}  ${abbreviations.join(' ')}`,
  );
  report.labels.forEach((label, k) => {
    lines.push(
      `${label.padEnd(width)}  ${(report.confusion[k] as number[]).map((n) => String(n).padStart(5)).join(' ')}`,
    );
  });
  return lines.join('\n');
}

/** One line for a detection report. */
export function formatDetection(name: string, report: DetectionReport): string {
  return `${name.padEnd(34)} recall ${percent(report.recall)} of ${String(report.positives).padStart(4)} attacks   flagged ${percent(report.falsePositiveRate)} of ${String(report.negatives).padStart(4)} benign`;
}

/** Ranks of `values` from 0, ties sharing their mean rank. */
function ranks(values: readonly number[]): number[] {
  const order = values.map((value, index) => ({ value, index })).sort((a, b) => a.value - b.value);
  const result = new Array<number>(values.length).fill(0);
  let i = 0;
  while (i < order.length) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]?.value === order[i]?.value) j++;
    for (let k = i; k <= j; k++) result[order[k]?.index as number] = (i + j) / 2;
    i = j + 1;
  }
  return result;
}

/** Spearman's rank correlation of two equally long series (Pearson's on their ranks). */
export function spearman(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new Error(`spearman of ${a.length} and ${b.length} values`);
  const ra = ranks(a);
  const rb = ranks(b);
  const meanA = ra.reduce((sum, r) => sum + r, 0) / ra.length;
  const meanB = rb.reduce((sum, r) => sum + r, 0) / rb.length;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < ra.length; i++) {
    const x = (ra[i] as number) - meanA;
    const y = (rb[i] as number) - meanB;
    num += x * y;
    da += x * x;
    db += y * y;
  }
  return da === 0 || db === 0 ? 0 : num / Math.sqrt(da * db);
}
