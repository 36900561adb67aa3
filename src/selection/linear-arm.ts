/**
 * The sufficient statistics of one arm of a linear contextual bandit (one model of one decision):
 * `n` outcomes, S = Σ x xᵀ and b = Σ r x over their feature vectors x and rewards r. They only ever
 * grow by addition, so replicas can share them by adding their deltas into one Redis value.
 * Layout: [n, S (d × d, row-major), b (d)].
 */
export type ArmStats = Float64Array;

/** Floats in the statistics of an arm with `d` features. */
export function armStatsLength(d: number): number {
  return 1 + d * d + d;
}

/** Adds one outcome (features x, reward r) to the statistics in place. */
export function addOutcome(stats: ArmStats, x: ArrayLike<number>, reward: number): void {
  const d = x.length;
  stats[0] = (stats[0] as number) + 1;
  for (let i = 0; i < d; i++) {
    const xi = x[i] as number;
    const row = 1 + i * d;
    for (let j = 0; j < d; j++) stats[row + j] = (stats[row + j] as number) + xi * (x[j] as number);
    stats[1 + d * d + i] = (stats[1 + d * d + i] as number) + reward * xi;
  }
}

/** Adds `delta` into `into` element-wise. */
export function addStats(into: ArmStats, delta: ArrayLike<number>): void {
  for (let i = 0; i < into.length; i++) into[i] = (into[i] as number) + (delta[i] as number);
}

/**
 * The arm's posterior under a ridge prior centred on `prior` (weight `ridge`): precision
 * A = ridge·I + S, mean θ = A⁻¹ (ridge·prior + b). Returns A⁻¹ (row-major) and θ; the prior makes
 * an arm without outcomes predict what the prior does (e.g. the offline quality head's estimate).
 */
export function posterior(
  stats: ArmStats,
  d: number,
  ridge: number,
  prior: ArrayLike<number>,
): { inverse: Float64Array; mean: Float64Array } {
  const n = d * 2;
  // Gauss-Jordan on [A | I].
  const m = new Float64Array(d * n);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) m[i * n + j] = (stats[1 + i * d + j] as number) + (i === j ? ridge : 0);
    m[i * n + d + i] = 1;
  }
  for (let c = 0; c < d; c++) {
    let pivot = c;
    for (let r = c + 1; r < d; r++)
      if (Math.abs(m[r * n + c] as number) > Math.abs(m[pivot * n + c] as number)) pivot = r;
    if (pivot !== c)
      for (let j = 0; j < n; j++) {
        const t = m[c * n + j] as number;
        m[c * n + j] = m[pivot * n + j] as number;
        m[pivot * n + j] = t;
      }
    const p = m[c * n + c] as number;
    for (let j = 0; j < n; j++) m[c * n + j] = (m[c * n + j] as number) / p;
    for (let r = 0; r < d; r++) {
      if (r === c) continue;
      const f = m[r * n + c] as number;
      if (f === 0) continue;
      for (let j = 0; j < n; j++) m[r * n + j] = (m[r * n + j] as number) - f * (m[c * n + j] as number);
    }
  }
  const inverse = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) inverse[i * d + j] = m[i * n + d + j] as number;
  const target = new Float64Array(d);
  for (let i = 0; i < d; i++) target[i] = ridge * (prior[i] as number) + (stats[1 + d * d + i] as number);
  const mean = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let sum = 0;
    for (let j = 0; j < d; j++) sum += (inverse[i * d + j] as number) * (target[j] as number);
    mean[i] = sum;
  }
  return { inverse, mean };
}

/** θ·x and the width sqrt(xᵀ A⁻¹ x) of the confidence band around it. */
export function predictWithWidth(
  post: { inverse: Float64Array; mean: Float64Array },
  x: ArrayLike<number>,
): { mean: number; width: number } {
  const d = x.length;
  let mean = 0;
  let quad = 0;
  for (let i = 0; i < d; i++) {
    const xi = x[i] as number;
    mean += (post.mean[i] as number) * xi;
    let row = 0;
    for (let j = 0; j < d; j++) row += (post.inverse[i * d + j] as number) * (x[j] as number);
    quad += xi * row;
  }
  return { mean, width: Math.sqrt(Math.max(0, quad)) };
}
