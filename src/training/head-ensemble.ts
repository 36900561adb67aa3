import { firstLayerWidth, type HeadWeights } from '../models/heads/head-weights.ts';

/**
 * One head that computes the mean of several heads' logits (so its softmax is their
 * logit-averaged ensemble), in the same format as each: linear heads average their weights;
 * MLP heads place their hidden units side by side (K heads of H units give K × H) and scale the
 * output layer by 1/K. Heads must share labels, input sizes and hidden units.
 */
export function averageHeads(heads: readonly HeadWeights[]): HeadWeights {
  const first = heads[0];
  if (first === undefined) throw new Error('no heads to average');
  for (const head of heads) {
    if (
      head.labels.join('\n') !== first.labels.join('\n') ||
      head.dims !== first.dims ||
      head.buckets !== first.buckets ||
      head.hidden !== first.hidden
    )
      throw new Error('heads to average must share labels, dims, buckets and hidden units');
  }
  const count = heads.length;
  if (count === 1) return first;
  if (first.hidden === 0) {
    const mean = (pick: (head: HeadWeights) => Float32Array): Float32Array => {
      const out = new Float32Array(pick(first).length);
      for (const head of heads) {
        const values = pick(head);
        for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) + (values[i] as number) / count;
      }
      return out;
    };
    return {
      ...first,
      embedding: mean((h) => h.embedding),
      lexical: mean((h) => h.lexical),
      bias: mean((h) => h.bias),
    };
  }
  const width = firstLayerWidth(first);
  const labels = first.labels.length;
  const hidden = width * count;
  /** Rows of [rows, width] matrices placed side by side: [rows, width × count]. */
  const sideBySide = (pick: (head: HeadWeights) => Float32Array, rows: number): Float32Array => {
    const out = new Float32Array(rows * hidden);
    heads.forEach((head, k) => {
      const values = pick(head);
      for (let r = 0; r < rows; r++)
        out.set(values.subarray(r * width, (r + 1) * width), r * hidden + k * width);
    });
    return out;
  };
  const output = new Float32Array(hidden * labels);
  heads.forEach((head, k) => {
    for (let i = 0; i < head.output.length; i++)
      output[k * width * labels + i] = (head.output[i] as number) / count;
  });
  const outputBias = new Float32Array(labels);
  for (const head of heads)
    for (let i = 0; i < labels; i++)
      outputBias[i] = (outputBias[i] as number) + (head.outputBias[i] as number) / count;
  return {
    ...first,
    hidden,
    embedding: sideBySide((h) => h.embedding, first.dims),
    lexical: sideBySide((h) => h.lexical, first.buckets),
    bias: sideBySide((h) => h.bias, 1),
    output,
    outputBias,
  };
}
