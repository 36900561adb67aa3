import { ensureStaticEncoder } from '../../src/models/static-encoder/ensure-static-encoder.ts';

/**
 * Vitest global setup: builds the embedded encoder once before any test file runs (on a fresh
 * checkout, as the router does at first start), so test files never build it concurrently.
 */
export default function setup(): void {
  ensureStaticEncoder(undefined, (directory) => {
    process.stderr.write(`building the embedded sentence encoder into ${directory} (first run only)\n`);
  });
}
