import hnswlib from 'hnswlib-node';

const { HierarchicalNSW } = hnswlib;
type Hnsw = InstanceType<typeof HierarchicalNSW>;

/** A neighbour found by the index: the entry's label and its cosine similarity to the query. */
export interface Neighbour {
  readonly label: number;
  readonly similarity: number;
}

/**
 * Up to this many points a partition is searched by a linear scan: cheaper than a graph for a few
 * hundred vectors, and an HNSW index costs megabytes even when nearly empty (hnswlib's lock table),
 * which one per tenant could not afford. Above it the partition gets an HNSW index.
 */
const SCAN_LIMIT = 256;
const M = 16;
const EF_CONSTRUCTION = 100;
const EF_SEARCH = 64;
/** Rebuild once this many points are marked deleted and they outnumber the live ones. */
const REBUILD_AFTER_DELETES = 64;
/** Points moved into a new index per turn of the event loop (about 2-5 ms of work at 100 dimensions). */
const BUILD_BATCH = 64;
/** Time a turn of the event loop may spend taking in points added or removed during a build. */
const CATCH_UP_MS = 4;

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] as number) * (b[i] as number);
  return sum;
}

/**
 * The nearest-neighbour index of one partition over unit-length vectors (inner product = cosine):
 * a linear scan while it is small, HNSW (hnswlib) once it grows past {@link SCAN_LIMIT}. It holds
 * labels only; the caller keeps what a label stands for. An HNSW index is built, and rebuilt once
 * deleted points outnumber live ones, a batch of points per turn of the event loop, while searches
 * go on against what is there; a removed point is marked deleted and never found again.
 */
export class PartitionIndex {
  readonly #vectors = new Map<number, Float32Array>();
  #hnsw: Hnsw | undefined;
  #deleted = 0;
  /** While an index is being built: the labels added or removed since it began (labels are never reused). */
  #changed: number[] | undefined;

  constructor(readonly dimensions: number) {}

  /** Live points. */
  get size(): number {
    return this.#vectors.size;
  }

  /** Whether searches go through an HNSW index (rather than a scan). */
  get graph(): boolean {
    return this.#hnsw !== undefined;
  }

  /** Whether an HNSW index is being built (or rebuilt) in the background. */
  get building(): boolean {
    return this.#changed !== undefined;
  }

  /** Points marked deleted in the HNSW index and not yet rebuilt away. */
  get deleted(): number {
    return this.#deleted;
  }

  add(label: number, vector: Float32Array): void {
    if (vector.length !== this.dimensions)
      throw new Error(`vector of ${vector.length} dimensions, index of ${this.dimensions}`);
    if (this.#vectors.has(label)) return;
    this.#vectors.set(label, vector);
    this.#changed?.push(label);
    if (this.#hnsw) PartitionIndex.#insert(this.#hnsw, label, vector);
    else if (this.#vectors.size > SCAN_LIMIT) void this.#build();
  }

  remove(label: number): void {
    if (!this.#vectors.delete(label)) return;
    this.#changed?.push(label);
    if (!this.#hnsw) return;
    if (this.#vectors.size < SCAN_LIMIT / 2) {
      // Small again: back to scanning, and the native index is left to the garbage collector.
      this.#hnsw = undefined;
      this.#deleted = 0;
      return;
    }
    this.#hnsw.markDelete(label);
    this.#deleted++;
    if (this.#deleted >= REBUILD_AFTER_DELETES && this.#deleted > this.#vectors.size) void this.#build();
  }

  /** Up to `k` nearest live points, closest first. */
  search(vector: Float32Array, k: number): Neighbour[] {
    const live = this.#vectors.size;
    if (live === 0) return [];
    if (this.#hnsw) {
      const { neighbors, distances } = this.#hnsw.searchKnn(Array.from(vector), Math.min(k, live));
      return neighbors.map((label, i) => ({ label, similarity: 1 - (distances[i] as number) }));
    }
    const best: Neighbour[] = [];
    for (const [label, point] of this.#vectors) {
      const similarity = dot(vector, point);
      if (best.length === k && similarity <= (best[k - 1] as Neighbour).similarity) continue;
      let at = best.length;
      while (at > 0 && (best[at - 1] as Neighbour).similarity < similarity) at--;
      best.splice(at, 0, { label, similarity });
      if (best.length > k) best.pop();
    }
    return best;
  }

  static #insert(index: Hnsw, label: number, vector: Float32Array): void {
    if (index.getCurrentCount() >= index.getMaxElements()) index.resizeIndex(index.getMaxElements() * 2);
    index.addPoint(Array.from(vector), label);
  }

  /**
   * Builds an HNSW index of the live points off the hot path, then swaps it in: a batch of points
   * per turn of the event loop, then the points added or removed meanwhile, a batch per turn too,
   * until few enough are left to apply in the turn that swaps it in.
   */
  async #build(): Promise<void> {
    if (this.#changed) return;
    const changed: number[] = [];
    this.#changed = changed;
    try {
      const labels = [...this.#vectors.keys()];
      const next = new HierarchicalNSW('ip', this.dimensions);
      next.initIndex(Math.max(SCAN_LIMIT * 2, labels.length * 2), M, EF_CONSTRUCTION, 100, false);
      next.setEf(EF_SEARCH);
      const inNext = new Set<number>();
      let deleted = 0;
      const apply = (label: number) => {
        const vector = this.#vectors.get(label);
        if (vector && !inNext.has(label)) {
          PartitionIndex.#insert(next, label, vector);
          inNext.add(label);
        } else if (!vector && inNext.delete(label)) {
          next.markDelete(label);
          deleted++;
        }
      };
      for (let start = 0; start < labels.length; start += BUILD_BATCH) {
        await new Promise((resolve) => setImmediate(resolve));
        for (const label of labels.slice(start, start + BUILD_BATCH)) apply(label);
      }
      let taken = 0;
      while (changed.length - taken > BUILD_BATCH) {
        const until = performance.now() + CATCH_UP_MS;
        while (taken < changed.length && performance.now() < until) apply(changed[taken++] as number);
        await new Promise((resolve) => setImmediate(resolve));
      }
      if (this.#vectors.size <= SCAN_LIMIT) return;
      while (taken < changed.length) apply(changed[taken++] as number);
      this.#hnsw = next;
      this.#deleted = deleted;
    } finally {
      this.#changed = undefined;
    }
  }
}
