/**
 * `npm run eval:encoder`: how well the embedded sentence encoder ranks sentence pairs by meaning.
 * Spearman correlation between cosine similarity and the human 0-5 similarity scores of the shared
 * STS-B file `paraphrase/train_dev_stsb.jsonl` (read at run time, never copied; the projection is
 * trained on `train_stsb.jsonl`, never on it), for the encoder as built, the same encoder built
 * without its learned projection (into a temporary folder), and a plain mean of the same word
 * vectors (no frequency weighting, no common component removed), computed from the word-vector package.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cosine, normalize } from '../src/models/embedder.ts';
import { buildStaticEncoder, winkEmbeddingsFile } from '../src/models/static-encoder/build-static-encoder.ts';
import { ensureStaticEncoder } from '../src/models/static-encoder/ensure-static-encoder.ts';
import { StaticEncoder } from '../src/models/static-encoder/static-encoder.ts';
import { STATIC_ENCODER_DIR } from '../src/models/static-encoder/static-encoder-files.ts';
import { spearman } from '../src/training/metrics.ts';

const DATA = process.argv[2] ?? '../shared/data/paraphrase/train_dev_stsb.jsonl';

interface Pair {
  sentence1: string;
  sentence2: string;
  score: number;
}

const pairs = readFileSync(DATA, 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as Pair);
ensureStaticEncoder();
const gold = pairs.map((pair) => pair.score);
async function encoderSpearman(encoder: StaticEncoder): Promise<number> {
  const first = await encoder.embed(pairs.map((pair) => pair.sentence1));
  const second = await encoder.embed(pairs.map((pair) => pair.sentence2));
  return spearman(
    pairs.map((_, i) => cosine(first[i] as Float32Array, second[i] as Float32Array)),
    gold,
  );
}
const encoder = await StaticEncoder.load(STATIC_ENCODER_DIR);
const built = await encoderSpearman(encoder);
const work = mkdtempSync(join(tmpdir(), 'encoder-eval-'));
buildStaticEncoder(work, { projection: null });
const unprojected = await encoderSpearman(await StaticEncoder.load(work));
rmSync(work, { recursive: true, force: true });

const raw = JSON.parse(readFileSync(winkEmbeddingsFile(), 'utf8')) as { vectors: Record<string, number[]> };
const plainMean = (text: string): Float32Array => {
  const sum = new Float32Array(100);
  for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    const vector = raw.vectors[word];
    if (vector) for (let i = 0; i < 100; i++) sum[i] = (sum[i] as number) + (vector[i] as number);
  }
  return normalize(sum);
};
const baseline = spearman(
  pairs.map((pair) => cosine(plainMean(pair.sentence1), plainMean(pair.sentence2))),
  gold,
);
console.log(`STS-B pairs: ${pairs.length} (${DATA})`);
console.log(`Spearman, embedded encoder (${encoder.id}): ${built.toFixed(4)}`);
console.log(`Spearman, the same without its learned projection: ${unprojected.toFixed(4)}`);
console.log(`Spearman, plain mean of the same word vectors: ${baseline.toFixed(4)}`);
