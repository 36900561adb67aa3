import type { Embedder } from '../models/embedder.ts';
import { normalisedQuestion } from './request-key.ts';
import { type VerifierSettings, verifyTexts } from './verifier.ts';

/** One labelled pair of an operator's traffic: would `b` be rightly answered with `a`'s answer? */
export interface CalibrationPair {
  readonly a: string;
  readonly b: string;
  readonly same: boolean;
  /** The cache category (a decision name, or `domain:<label>`); optional. */
  readonly category?: string;
}

/** The threshold found for one category (or `all`). */
export interface CalibrationResult {
  readonly category: string;
  readonly pairs: number;
  readonly same: number;
  /** The lowest threshold whose hits reach the target precision; undefined when none does. */
  readonly threshold: number | undefined;
  readonly precision: number;
  readonly recall: number;
  readonly hits: number;
}

/** Reads `{a, b, same, category?}` JSON lines; throws with the line number of the first bad one. */
export function readCalibrationPairs(text: string): CalibrationPair[] {
  const pairs: CalibrationPair[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      throw new Error(`line ${i + 1}: not JSON`);
    }
    const r = row as Record<string, unknown>;
    if (typeof r.a !== 'string' || typeof r.b !== 'string' || typeof r.same !== 'boolean')
      throw new Error(`line ${i + 1}: expected {"a": string, "b": string, "same": boolean}`);
    if (r.category !== undefined && typeof r.category !== 'string')
      throw new Error(`line ${i + 1}: category must be a string`);
    pairs.push({
      a: r.a,
      b: r.b,
      same: r.same,
      ...(typeof r.category === 'string' && { category: r.category }),
    });
  });
  return pairs;
}

interface Scored {
  readonly pair: CalibrationPair;
  /** The similarity at which the pair is a hit (1 for the exact tier); -Infinity when the verifier refuses it. */
  readonly servedFrom: number;
}

/** The lowest threshold at which the hits among `scored` reach `target` precision. */
function bestThreshold(category: string, scored: readonly Scored[], target: number): CalibrationResult {
  const same = scored.filter((s) => s.pair.same).length;
  const hits = scored
    .filter((s) => s.servedFrom > Number.NEGATIVE_INFINITY)
    .sort((x, y) => y.servedFrom - x.servedFrom);
  let best: CalibrationResult = {
    category,
    pairs: scored.length,
    same,
    threshold: undefined,
    precision: 1,
    recall: 0,
    hits: 0,
  };
  let correct = 0;
  for (let i = 0; i < hits.length; i++) {
    const hit = hits[i] as Scored;
    if (hit.pair.same) correct++;
    // Only where the next hit is served from a lower similarity is this a threshold of its own.
    if (i + 1 < hits.length && (hits[i + 1] as Scored).servedFrom === hit.servedFrom) continue;
    const precision = correct / (i + 1);
    if (precision >= target)
      best = {
        category,
        pairs: scored.length,
        same,
        threshold: Math.min(1, Math.floor(hit.servedFrom * 1000) / 1000),
        precision,
        recall: correct / Math.max(1, same),
        hits: i + 1,
      };
  }
  return best;
}

/**
 * For each category of the pairs and for all of them, the lowest similarity threshold at which the
 * cache's hits (exact tier, or semantic tier with the verifier's agreement) reach `targetPrecision`,
 * with the precision and recall there. Pairs are embedded with the policy's encoder, in batches.
 */
export async function calibrate(
  pairs: readonly CalibrationPair[],
  embedder: Embedder,
  verifier: VerifierSettings | undefined,
  targetPrecision: number,
): Promise<CalibrationResult[]> {
  const scored: Scored[] = [];
  const BATCH = 256;
  for (let start = 0; start < pairs.length; start += BATCH) {
    const batch = pairs.slice(start, start + BATCH);
    const vectors = await embedder.embed(batch.flatMap((pair) => [pair.a, pair.b]));
    batch.forEach((pair, i) => {
      const [x, y] = [vectors[2 * i], vectors[2 * i + 1]];
      let similarity = 0;
      if (x && y) for (let d = 0; d < x.length; d++) similarity += (x[d] as number) * (y[d] as number);
      const exact = normalisedQuestion(pair.a) === normalisedQuestion(pair.b);
      const agrees = exact || verifier === undefined || verifyTexts(pair.a, pair.b, verifier).agrees;
      scored.push({ pair, servedFrom: exact ? 1 : agrees ? similarity : Number.NEGATIVE_INFINITY });
    });
  }
  const categories = [
    ...new Set(pairs.flatMap((pair) => (pair.category === undefined ? [] : [pair.category]))),
  ].sort();
  return [
    ...categories.map((category) =>
      bestThreshold(
        category,
        scored.filter((s) => s.pair.category === category),
        targetPrecision,
      ),
    ),
    bestThreshold('all', scored, targetPrecision),
  ];
}
