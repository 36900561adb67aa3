import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildStaticEncoder } from './build-static-encoder.ts';
import { readSentenceProjection, type SentenceProjection } from './sentence-projection.ts';
import { STATIC_ENCODER_DIR, STATIC_ENCODER_FILES, STATIC_ENCODER_FORMAT } from './static-encoder-files.ts';

function readCard(
  directory: string,
): { format?: unknown; projection?: { weightsSha256?: unknown } | null } | undefined {
  try {
    return JSON.parse(readFileSync(join(directory, STATIC_ENCODER_FILES.card), 'utf8'));
  } catch {
    return undefined;
  }
}

/** The build format a card records, or undefined when the card is missing or unreadable. */
export function builtFormat(directory: string): number | undefined {
  const card = readCard(directory);
  if (card === undefined) return undefined;
  return typeof card.format === 'number' ? card.format : 1;
}

/** Whether `directory` holds a complete build of the current format with `projection` built in. */
export function isCurrentBuild(directory: string, projection: SentenceProjection | null): boolean {
  const complete = Object.values(STATIC_ENCODER_FILES).every((name) => existsSync(join(directory, name)));
  return (
    complete &&
    builtFormat(directory) === STATIC_ENCODER_FORMAT &&
    (readCard(directory)?.projection?.weightsSha256 ?? null) === (projection?.sha256 ?? null)
  );
}

/**
 * Builds the embedded encoder into `directory` unless a complete build of the current format, with
 * the committed projection, is there (its card is written last; an older format or another
 * projection is rebuilt). Returns whether it built. Verification of the files happens when they are loaded.
 */
export function ensureStaticEncoder(
  directory = STATIC_ENCODER_DIR,
  onBuild?: (directory: string) => void,
): { built: boolean; seconds: number } {
  const projection = readSentenceProjection();
  if (isCurrentBuild(directory, projection)) return { built: false, seconds: 0 };
  onBuild?.(directory);
  return { built: true, seconds: buildStaticEncoder(directory, { projection }).seconds };
}
