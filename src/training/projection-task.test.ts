import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tinySource } from '../../test/support/tiny-word-vectors.ts';
import { buildStaticEncoder } from '../models/static-encoder/build-static-encoder.ts';
import { isCurrentBuild } from '../models/static-encoder/ensure-static-encoder.ts';
import { readSentenceProjection } from '../models/static-encoder/sentence-projection.ts';
import { trainProjectionTask } from './projection-task.ts';

/** Pairs over the tiny vocabulary: animal sentences are alike, animal and market are not. */
function pairsFile(dir: string): string {
  const animals = ['the cat sat', 'the dog sat', 'cat on the mat', 'dog on the rug', 'the cat', 'the dog'];
  const markets = ['stock market', 'the stock', 'the market', 'market stock'];
  const lines: string[] = [];
  animals.forEach((a, i) => {
    animals.forEach((b, j) => {
      if (i < j) lines.push(JSON.stringify({ sentence1: a, sentence2: b, score: 4 }));
    });
    for (const m of markets) lines.push(JSON.stringify({ sentence1: a, sentence2: m, score: 0.5 }));
  });
  const file = join(dir, 'pairs.jsonl');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

describe('trainProjectionTask', () => {
  it('writes a projection with its provenance that the encoder build takes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'projection-task-'));
    const source = tinySource(dir);
    const out = join(dir, 'projection', 'projection.json');
    const result = await trainProjectionTask({ file: pairsFile(dir), out, source });
    expect(result.trainPairs + result.heldOutPairs).toBe(39);
    expect(result.heldOutPairs).toBeGreaterThan(0);

    const written = JSON.parse(readFileSync(out, 'utf8'));
    expect(written).toMatchObject({
      dimensions: 4,
      data: [{ file: 'pairs.jsonl', rows: 39 }],
      split: { salt: 'projection-v1', trainPairs: result.trainPairs, heldOutPairs: result.heldOutPairs },
      training: { bestEpoch: result.training.bestEpoch },
    });
    const projection = readSentenceProjection(out);
    expect(projection.sha256).toBe(written.weightsSha256);

    buildStaticEncoder(join(dir, 'encoder'), { source, projection });
    expect(isCurrentBuild(join(dir, 'encoder'), projection)).toBe(true);
  });

  it('refuses a projection file whose weights were changed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'projection-task-'));
    const out = join(dir, 'projection.json');
    await trainProjectionTask({ file: pairsFile(dir), out, source: tinySource(dir) });
    const written = JSON.parse(readFileSync(out, 'utf8'));
    const bytes = Buffer.from(written.weights, 'base64');
    bytes[0] = (bytes[0] as number) ^ 0xff;
    writeFileSync(out, JSON.stringify({ ...written, weights: bytes.toString('base64') }));
    expect(() => readSentenceProjection(out)).toThrow(/weights digest .* differs from the recorded/);
    writeFileSync(out, JSON.stringify({ ...written, weights: bytes.subarray(4).toString('base64') }));
    expect(() => readSentenceProjection(out)).toThrow(/expected 4² float32 weights, found 60 bytes/);
  });
});
