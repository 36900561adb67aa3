/** A typed stretch of text: `[start, end)`. */
export interface TypedSpan {
  type: string;
  start: number;
  end: number;
}

/** True positives, false positives and false negatives of one type. */
export interface SpanCounts {
  tp: number;
  fp: number;
  fn: number;
}

const exact = (g: TypedSpan, p: TypedSpan) => g.start === p.start && g.end === p.end;
const overlap = (g: TypedSpan, p: TypedSpan) => g.start < p.end && p.start < g.end;

/** One-to-one matching of predicted to gold spans of the same type. */
export function matchSpans(
  gold: readonly TypedSpan[],
  predicted: readonly TypedSpan[],
  same: (g: TypedSpan, p: TypedSpan) => boolean,
): { falsePositives: TypedSpan[]; falseNegatives: TypedSpan[] } {
  const used = new Set<number>();
  const falsePositives: TypedSpan[] = [];
  for (const p of predicted) {
    const at = gold.findIndex((g, i) => !used.has(i) && g.type === p.type && same(g, p));
    if (at >= 0) used.add(at);
    else falsePositives.push(p);
  }
  return { falsePositives, falseNegatives: gold.filter((_, i) => !used.has(i)) };
}

/**
 * Span counts per type, matched exactly (same offsets) and by overlap (any shared character), over
 * texts' gold and predicted spans. Predicted spans of types outside `types` are ignored.
 */
export function scoreSpans(
  items: readonly { gold: readonly TypedSpan[]; predicted: readonly TypedSpan[] }[],
  types: readonly string[],
): Record<string, Record<'exact' | 'overlap', SpanCounts>> {
  const counts = Object.fromEntries(
    types.map((t) => [t, { exact: { tp: 0, fp: 0, fn: 0 }, overlap: { tp: 0, fp: 0, fn: 0 } }]),
  ) as Record<string, Record<'exact' | 'overlap', SpanCounts>>;
  for (const { gold, predicted } of items) {
    const kept = predicted.filter((p) => types.includes(p.type));
    const wanted = gold.filter((g) => types.includes(g.type));
    for (const [mode, same] of [
      ['exact', exact],
      ['overlap', overlap],
    ] as const) {
      const { falsePositives, falseNegatives } = matchSpans(wanted, kept, same);
      for (const g of wanted) ((counts[g.type] as Record<string, SpanCounts>)[mode] as SpanCounts).tp++;
      for (const g of falseNegatives) {
        const c = (counts[g.type] as Record<string, SpanCounts>)[mode] as SpanCounts;
        c.tp--;
        c.fn++;
      }
      for (const p of falsePositives)
        ((counts[p.type] as Record<string, SpanCounts>)[mode] as SpanCounts).fp++;
    }
  }
  return counts;
}

/** Precision, recall and F1 of counts (1 for an empty denominator). */
export function precisionRecall({ tp, fp, fn }: SpanCounts): {
  precision: number;
  recall: number;
  f1: number;
} {
  const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 1 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1 };
}
