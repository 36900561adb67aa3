import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The `models/` folder of this package: built encoders and trained heads, each with a card. */
export const MODELS_DIR = fileURLToPath(new URL('../../models/', import.meta.url));

/** Hex SHA-256 of bytes. */
export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Hex SHA-256 of a file's bytes. */
export function fileSha256(file: string): string {
  return sha256(readFileSync(file));
}

/** A model file that could not be used, with a message that says which file and why. */
export class ModelLoadError extends Error {
  constructor(
    readonly file: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`model ${file}: ${reason}`, options);
    this.name = 'ModelLoadError';
  }
}
