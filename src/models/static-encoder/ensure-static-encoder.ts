import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildStaticEncoder } from './build-static-encoder.ts';
import { STATIC_ENCODER_DIR, STATIC_ENCODER_FILES, STATIC_ENCODER_FORMAT } from './static-encoder-files.ts';

/** The build format a card records, or undefined when the card is missing or unreadable. */
export function builtFormat(directory: string): number | undefined {
  try {
    const card = JSON.parse(readFileSync(join(directory, STATIC_ENCODER_FILES.card), 'utf8')) as {
      format?: unknown;
    };
    return typeof card.format === 'number' ? card.format : 1;
  } catch {
    return undefined;
  }
}

/**
 * Builds the embedded encoder into `directory` unless a complete build of the current format is
 * there (its card is written last; an older format is rebuilt). Returns whether it built.
 * Verification of the files happens when they are loaded.
 */
export function ensureStaticEncoder(
  directory = STATIC_ENCODER_DIR,
  onBuild?: (directory: string) => void,
): { built: boolean; seconds: number } {
  const complete = Object.values(STATIC_ENCODER_FILES).every((name) => existsSync(join(directory, name)));
  if (complete && builtFormat(directory) === STATIC_ENCODER_FORMAT) return { built: false, seconds: 0 };
  onBuild?.(directory);
  return { built: true, seconds: buildStaticEncoder(directory).seconds };
}
