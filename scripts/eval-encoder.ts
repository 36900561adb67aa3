/**
 * `npm run eval:encoder`: how well the embedded sentence encoder ranks sentence pairs by meaning.
 * Spearman correlation between cosine similarity and the human 0-5 similarity scores of the shared
 * STS-B file `paraphrase/train_dev_stsb.jsonl` (read at run time, never copied), for the encoder as
 * built and, for comparison, a plain mean of the same word vectors (no frequency weighting, no common
 * component removed), computed here from the word-vector package.
 */
import { readFileSync } from 'node:fs';
import { cosine, normalize } from '../src/models/embedder.ts';
import { winkEmbeddingsFile } from '../src/models/static-encoder/build-static-encoder.ts';
import { ensureStaticEncoder } from '../src/models/static-encoder/ensure-static-encoder.ts';
import { StaticEncoder } from '../src/models/static-encoder/static-encoder.ts';
import { STATIC_ENCODER_DIR } from '../src/models/static-encoder/static-encoder-files.ts';

const DATA = process.argv[2] ?? '../shared/data/paraphrase/train_dev_stsb.jsonl';

interface Pair {
  sentence1: string;
  sentence2: string;
  score: number;
}

function ranks(values: readonly number[]): number[] {
  const order = values.map((value, index) => ({ value, index })).sort((a, b) => a.value - b.value);
  const result = new Array<number>(values.length).fill(0);
  let i = 0;
  while (i < order.length) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]?.value === order[i]?.value) j++;
    for (let k = i; k <= j; k++) result[order[k]?.index as number] = (i + j) / 2; // ties share a mean rank
    i = j + 1;
  }
  return result;
}

function spearman(a: readonly number[], b: readonly number[]): number {
  const ra = ranks(a);
  const rb = ranks(b);
  const mean = (ra.length - 1) / 2;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < ra.length; i++) {
    const x = (ra[i] as number) - mean;
    const y = (rb[i] as number) - mean;
    num += x * y;
    da += x * x;
    db += y * y;
  }
  return num / Math.sqrt(da * db);
}

const pairs = readFileSync(DATA, 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as Pair);
ensureStaticEncoder();
const encoder = await StaticEncoder.load(STATIC_ENCODER_DIR);
const first = await encoder.embed(pairs.map((pair) => pair.sentence1));
const second = await encoder.embed(pairs.map((pair) => pair.sentence2));
const gold = pairs.map((pair) => pair.score);
const built = spearman(
  pairs.map((_, i) => cosine(first[i] as Float32Array, second[i] as Float32Array)),
  gold,
);

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
console.log(`Spearman, plain mean of the same word vectors: ${baseline.toFixed(4)}`);
