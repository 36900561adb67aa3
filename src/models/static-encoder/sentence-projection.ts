import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MODELS_DIR, ModelLoadError, sha256 } from '../model-files.ts';
import { STATIC_ENCODER_NAME } from './static-encoder-files.ts';

/** Where the embedded encoder's learned projection is committed (trained by `train projection`). */
export const SENTENCE_PROJECTION_FILE = join(
  MODELS_DIR,
  `${STATIC_ENCODER_NAME}-projection`,
  'projection.json',
);

/**
 * A learned linear map applied to the encoder's unit SIF vector before the final normalisation:
 * output_i = Σ_j weights[i · dimensions + j] · input_j. Trained on paraphrase pairs so that cosine
 * similarity follows meaning more closely.
 */
export interface SentenceProjection {
  dimensions: number;
  /** Row-major `dimensions × dimensions`. */
  weights: Float32Array;
  /** SHA-256 of the weights' little-endian float32 bytes: what the encoder's card records. */
  sha256: string;
}

/** What `projection.json` holds: the weights (base64 float32, little-endian) and how they were made. */
export interface SentenceProjectionFile {
  name: string;
  description: string;
  dimensions: number;
  weightsSha256: string;
  weights: string;
  [detail: string]: unknown;
}

const weightBytes = (weights: Float32Array): Buffer =>
  Buffer.from(weights.buffer, weights.byteOffset, weights.byteLength);

/** The projection of `weights`, with its digest. */
export function sentenceProjection(dimensions: number, weights: Float32Array): SentenceProjection {
  if (weights.length !== dimensions * dimensions)
    throw new Error(
      `a projection of ${dimensions} dimensions needs ${dimensions ** 2} weights, not ${weights.length}`,
    );
  return { dimensions, weights, sha256: sha256(weightBytes(weights)) };
}

/** The file text for a projection plus its provenance (data, split, training, metrics). */
export function projectionFileText(
  projection: SentenceProjection,
  details: { name: string; description: string } & Record<string, unknown>,
): string {
  const file: SentenceProjectionFile = {
    ...details,
    dimensions: projection.dimensions,
    weightsSha256: projection.sha256,
    weights: weightBytes(projection.weights).toString('base64'),
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** Reads a projection file, checking its size and digest; throws a ModelLoadError naming the file. */
export function readSentenceProjection(file = SENTENCE_PROJECTION_FILE): SentenceProjection {
  if (!existsSync(file)) throw new ModelLoadError(file, 'not found');
  let parsed: SentenceProjectionFile;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as SentenceProjectionFile;
  } catch (error) {
    throw new ModelLoadError(file, `not JSON (${(error as Error).message})`);
  }
  const bytes = Buffer.from(String(parsed.weights ?? ''), 'base64');
  const dimensions = Number(parsed.dimensions);
  if (!Number.isInteger(dimensions) || dimensions < 1 || bytes.length !== dimensions * dimensions * 4)
    throw new ModelLoadError(file, `expected ${dimensions}² float32 weights, found ${bytes.length} bytes`);
  const weights = new Float32Array(dimensions * dimensions);
  for (let i = 0; i < weights.length; i++) weights[i] = bytes.readFloatLE(i * 4);
  const projection = sentenceProjection(dimensions, weights);
  if (projection.sha256 !== parsed.weightsSha256)
    throw new ModelLoadError(
      file,
      `weights digest ${projection.sha256} differs from the recorded ${parsed.weightsSha256}`,
    );
  return projection;
}
