/**
 * Turns texts into sentence vectors. Every implementation returns one unit-length (L2-normalised)
 * vector of `dimensions` floats per text, in input order, so that a dot product is the cosine
 * similarity. Implementations are safe to call concurrently.
 */
export interface Embedder {
  /** Names the model and its exact weights (e.g. `glove-sif-100d@1a2b3c4d`); cached vectors are only comparable under one id. */
  readonly id: string;
  readonly dimensions: number;
  embed(texts: readonly string[]): Promise<Float32Array[]>;
  /**
   * The sentence vector of each text together with its token pooling, in one pass (optional: only
   * encoders with per-token vectors have it). `embedding` equals what `embed` returns.
   */
  encode?(texts: readonly string[]): Promise<TextEncoding[]>;
}

/**
 * A text's sentence vector and, from encoders that have token vectors, the element-wise max and
 * min over its unit-length token vectors (`dimensions` floats each; zeros for a text without
 * tokens). The pooling keeps what one word contributes, which an average over a long text
 * dilutes: classifier heads trained with `inputs: sentence+token-max-min` read all three.
 */
export interface TextEncoding {
  embedding: Float32Array;
  tokenMax?: Float32Array;
  tokenMin?: Float32Array;
}

/** Encodes texts with token pooling when the embedder has it, as sentence vectors alone otherwise. */
export async function encodeTexts(embedder: Embedder, texts: readonly string[]): Promise<TextEncoding[]> {
  if (embedder.encode !== undefined) return embedder.encode(texts);
  return (await embedder.embed(texts)).map((embedding) => ({ embedding }));
}

/** Cosine similarity of two unit-length vectors of one embedder. */
export function cosine(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] as number) * (b[i] as number);
  return sum;
}

/** Scales a vector to unit length in place; a zero vector stays zero. */
export function normalize(vector: Float32Array): Float32Array {
  let norm = 0;
  for (let i = 0; i < vector.length; i++) norm += (vector[i] as number) ** 2;
  if (norm === 0) return vector;
  const scale = 1 / Math.sqrt(norm);
  for (let i = 0; i < vector.length; i++) vector[i] = (vector[i] as number) * scale;
  return vector;
}
