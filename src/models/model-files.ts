import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The `models/` folder of this package: built encoders and trained heads, each with a card. */
export const MODELS_DIR = fileURLToPath(new URL('../../models/', import.meta.url));

/** Hex SHA-256 of bytes. */
export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Hex SHA-256 of a file's bytes, read in 1 MiB pieces so a large model is never held in memory whole. */
export function fileSha256(file: string): string {
  const hash = createHash('sha256');
  const chunk = Buffer.allocUnsafe(1 << 20);
  const fd = openSync(file, 'r');
  try {
    for (let read = readSync(fd, chunk); read > 0; read = readSync(fd, chunk))
      hash.update(chunk.subarray(0, read));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
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
