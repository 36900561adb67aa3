import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildStaticEncoder } from './build-static-encoder.ts';
import { STATIC_ENCODER_DIR, STATIC_ENCODER_FILES } from './static-encoder-files.ts';

/**
 * Builds the embedded encoder into `directory` unless a complete build is there (its card is
 * written last). Returns whether it built. Verification of the files happens when they are loaded.
 */
export function ensureStaticEncoder(
  directory = STATIC_ENCODER_DIR,
  onBuild?: (directory: string) => void,
): { built: boolean; seconds: number } {
  const complete = Object.values(STATIC_ENCODER_FILES).every((name) => existsSync(join(directory, name)));
  if (complete) return { built: false, seconds: 0 };
  onBuild?.(directory);
  return { built: true, seconds: buildStaticEncoder(directory).seconds };
}
