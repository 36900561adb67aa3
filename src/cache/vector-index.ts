import hnswlib from 'hnswlib-node';

const { HierarchicalNSW } = hnswlib;

/** A neighbour found by the index: the entry's label and its cosine similarity to the query. */
export interface Neighbour {
  readonly label: number;
  readonly similarity: number;
}

const INITIAL_CAPACITY = 16;
const M = 16;
const EF_CONSTRUCTION = 100;
const EF_SEARCH = 64;
/** Rebuild once this many points are marked deleted and they outnumber the live ones. */
const REBUILD_AFTER_DELETES = 64;
/** Points moved per turn of the event loop while rebuilding. */
const REBUILD_BATCH = 2000;

/**
 * The nearest-neighbour index of one partition: HNSW (hnswlib) over unit-length vectors, inner
 * product = cosine. It holds labels only; the caller keeps what a label stands for. A removed point
 * is marked deleted (never found again) and the index is rebuilt, a batch of points per turn of the
 * event loop, once deleted points outnumber live ones; it grows by doubling.
 */
export class PartitionIndex {
  #index: InstanceType<typeof HierarchicalNSW>;
  #capacity = INITIAL_CAPACITY;
  readonly #vectors = new Map<number, Float32Array>();
  #deleted = 0;
  #rebuilding = false;

  constructor(readonly dimensions: number) {
    this.#index = PartitionIndex.#fresh(dimensions, INITIAL_CAPACITY);
  }

  static #fresh(dimensions: number, capacity: number): InstanceType<typeof HierarchicalNSW> {
    const index = new HierarchicalNSW('ip', dimensions);
    index.initIndex(capacity, M, EF_CONSTRUCTION, 100, false);
    index.setEf(EF_SEARCH);
    return index;
  }

  /** Live points. */
  get size(): number {
    return this.#vectors.size;
  }

  add(label: number, vector: Float32Array): void {
    if (vector.length !== this.dimensions)
      throw new Error(`vector of ${vector.length} dimensions, index of ${this.dimensions}`);
    if (this.#vectors.has(label)) return;
    this.#vectors.set(label, vector);
    this.#insert(this.#index, label, vector);
  }

  #insert(index: InstanceType<typeof HierarchicalNSW>, label: number, vector: Float32Array): void {
    if (index.getCurrentCount() >= index.getMaxElements()) {
      this.#capacity = index.getMaxElements() * 2;
      index.resizeIndex(this.#capacity);
    }
    index.addPoint(Array.from(vector), label);
  }

  remove(label: number): void {
    if (!this.#vectors.delete(label)) return;
    this.#index.markDelete(label);
    this.#deleted++;
    if (this.#deleted >= REBUILD_AFTER_DELETES && this.#deleted > this.#vectors.size) void this.#rebuild();
  }

  /** Up to `k` nearest live points, closest first. */
  search(vector: Float32Array, k: number): Neighbour[] {
    const live = this.#vectors.size;
    if (live === 0) return [];
    const { neighbors, distances } = this.#index.searchKnn(Array.from(vector), Math.min(k, live));
    return neighbors.map((label, i) => ({ label, similarity: 1 - (distances[i] as number) }));
  }

  /** Builds a new index of the live points off the hot path, then swaps it in. */
  async #rebuild(): Promise<void> {
    if (this.#rebuilding) return;
    this.#rebuilding = true;
    try {
      const labels = [...this.#vectors.keys()];
      const next = PartitionIndex.#fresh(this.dimensions, Math.max(INITIAL_CAPACITY, labels.length * 2));
      for (let start = 0; start < labels.length; start += REBUILD_BATCH) {
        if (start > 0) await new Promise((resolve) => setImmediate(resolve));
        for (const label of labels.slice(start, start + REBUILD_BATCH)) {
          const vector = this.#vectors.get(label);
          if (vector) next.addPoint(Array.from(vector), label);
        }
      }
      // Points added while rebuilding went to the old index: copy them over; removed ones leave.
      const inNext = new Set(next.getIdsList());
      for (const [label, vector] of this.#vectors) if (!inNext.has(label)) this.#insert(next, label, vector);
      let deleted = 0;
      for (const label of inNext) {
        if (!this.#vectors.has(label)) {
          next.markDelete(label);
          deleted++;
        }
      }
      this.#index = next;
      this.#capacity = next.getMaxElements();
      this.#deleted = deleted;
    } finally {
      this.#rebuilding = false;
    }
  }

  /** Points marked deleted and not yet rebuilt away (for tests and metrics). */
  get deleted(): number {
    return this.#deleted;
  }
}
