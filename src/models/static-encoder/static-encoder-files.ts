import { join } from 'node:path';
import { MODELS_DIR } from '../model-files.ts';

/** The embedded encoder's name, also its folder under `models/`. */
export const STATIC_ENCODER_NAME = 'glove-sif-100d';

/** The built files of the embedded encoder; the card is written last and lists the others' SHA-256. */
export const STATIC_ENCODER_FILES = {
  model: 'encoder.onnx',
  vocabulary: 'vocab.txt',
  card: 'card.json',
} as const;

/** Where the embedded encoder is built and loaded from by default. */
export const STATIC_ENCODER_DIR = join(MODELS_DIR, STATIC_ENCODER_NAME);

/**
 * The build format: raised whenever the built files change shape (2 added the token pooling
 * outputs, 3 the learned projection), so an older build is rebuilt instead of loaded.
 */
export const STATIC_ENCODER_FORMAT = 3;

/** What `card.json` of a built static encoder says. */
export interface StaticEncoderCard {
  name: string;
  /** {@link STATIC_ENCODER_FORMAT} of the build (absent in builds before format 2). */
  format?: number;
  description: string;
  source: { package: string; license: string; words: number };
  dimensions: number;
  parameters: Record<string, string | number>;
  /** File name → hex SHA-256 of the file as built. */
  files: Record<string, string>;
  /** The learned projection built in (its weights' SHA-256), or null for none (format 3 on). */
  projection?: { weightsSha256: string } | null;
}
