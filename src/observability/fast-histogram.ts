import type { Registry } from 'prom-client';

interface Series {
  labels: Record<string, string>;
  /** Non-cumulative counts per bucket; the last slot is +Inf. */
  counts: Float64Array;
  sum: number;
  count: number;
}

/** What `observe` needs: a function bound to one label set, found once and kept by the caller. */
export type Observe = (value: number) => void;

/**
 * A Prometheus histogram for the request path. prom-client's Histogram validates and hashes the
 * labels on every observation (microseconds, several times per request); this one resolves a
 * label set once (`series`) and observes with a binary search into a typed array. It registers
 * with a prom-client Registry and renders the standard `_bucket` / `_sum` / `_count` series.
 */
export class FastHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #labelName: string;
  readonly #bounds: number[];
  readonly #series = new Map<string, Series>();

  constructor(options: {
    name: string;
    help: string;
    labelName: string;
    buckets: number[];
    registers: Registry[];
  }) {
    this.name = options.name;
    this.help = options.help;
    this.#labelName = options.labelName;
    this.#bounds = [...options.buckets].sort((a, b) => a - b);
    for (const registry of options.registers) registry.registerMetric(this as never);
  }

  /** The observer for one label value; create it once, call it per request. */
  series(labelValue: string): Observe {
    let series = this.#series.get(labelValue);
    if (!series) {
      series = {
        labels: { [this.#labelName]: labelValue },
        counts: new Float64Array(this.#bounds.length + 1),
        sum: 0,
        count: 0,
      };
      this.#series.set(labelValue, series);
    }
    const target = series;
    const bounds = this.#bounds;
    return (value) => {
      let lo = 0;
      let hi = bounds.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (value <= (bounds[mid] as number)) hi = mid;
        else lo = mid + 1;
      }
      target.counts[lo] = (target.counts[lo] as number) + 1;
      target.sum += value;
      target.count++;
    };
  }

  /** prom-client's metric interface: the current values in its export shape. */
  async get() {
    const values: { value: number; labels: Record<string, string | number>; metricName: string }[] = [];
    for (const series of this.#series.values()) {
      let cumulative = 0;
      this.#bounds.forEach((bound, i) => {
        cumulative += series.counts[i] as number;
        values.push({
          value: cumulative,
          labels: { ...series.labels, le: bound },
          metricName: `${this.name}_bucket`,
        });
      });
      values.push({
        value: series.count,
        labels: { ...series.labels, le: '+Inf' },
        metricName: `${this.name}_bucket`,
      });
      values.push({ value: series.sum, labels: series.labels, metricName: `${this.name}_sum` });
      values.push({ value: series.count, labels: series.labels, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  reset(): void {
    this.#series.clear();
  }
}
