import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Embedder } from '../models/embedder.ts';
import { encodeHeadModel } from '../models/heads/head-graph.ts';
import { firstLayerWidth, type HeadWeights } from '../models/heads/head-weights.ts';
import { sha256 } from '../models/model-files.ts';
import { modelName } from '../models/model-id.ts';
import { fromFloat16, toFloat16 } from '../models/onnx/onnx-graph.ts';
import { NAME_TAGGER_FILES, NameTagger, type NameTaggerCard } from '../signals/pii/name-tagger.ts';
import {
  denseShape,
  featureContext,
  NAME_DENSE_FEATURES,
  nameTokens,
  sparseFeatures,
} from '../signals/pii/name-tokens.ts';
import { DEFAULT_PII_MIN_CONFIDENCE, NAME_PII_TYPES } from '../signals/pii/pii-types.ts';
import { averageHeads } from './head-ensemble.ts';
import { type TrainerOptions, type TrainingExample, trainHead } from './head-trainer.ts';
import { countsToMetrics, renderTaggerReadme } from './name-tagger-card.ts';
import { DEFAULT_PII_DATA, type PiiRow, readPiiRows, validationTemplates } from './pii-data.ts';
import { scoreSpans } from './span-metrics.ts';

/** The data's entity types the tagger learns, as the router names them (GPE: cities, countries). */
const TAGGER_TYPE_OF_DATA: Readonly<Record<string, (typeof NAME_PII_TYPES)[number]>> = {
  PERSON: 'PERSON',
  GPE: 'LOCATION',
  STREET_ADDRESS: 'STREET_ADDRESS',
  ORGANIZATION: 'ORGANIZATION',
};

/** BIO tags over the name types, `O` first. */
const TAGGER_LABELS = ['O', ...NAME_PII_TYPES.flatMap((type) => [`B-${type}`, `I-${type}`])];

export interface NameTaggerOptions {
  data: string;
  out: string;
  /** The embedded encoder: its vocabulary's most frequent words get a row from their vectors. */
  encoder: Embedder;
  /** The encoder's vocabulary file (one word a line, most frequent first). */
  vocabularyFile: string;
  words: number;
  buckets: number;
  /** Models trained with consecutive seeds and averaged (their hidden units side by side). */
  models: number;
  trainer: TrainerOptions;
}

export const DEFAULT_NAME_TAGGER_OPTIONS = {
  data: DEFAULT_PII_DATA,
  words: 100_000,
  buckets: 1 << 15,
  models: 1,
  trainer: {
    hidden: 32,
    maxEpochs: 30,
    batchSize: 32,
    learningRate: 0.003,
    l2: 1e-4,
    patience: 4,
    seed: 1,
    classWeightPower: 0.3,
  } satisfies TrainerOptions,
};

/** Inner split of the development templates, for early stopping: every fifth by hash order. */
function innerTemplates(rows: readonly PiiRow[]): Set<number> {
  const ids = [...new Set(rows.map((row) => row.templateId))].sort((a, b) =>
    sha256(`inner:${a}`).localeCompare(sha256(`inner:${b}`)),
  );
  return new Set(ids.filter((_, i) => i % 5 === 0));
}

function tokenLabels(row: PiiRow, tokens: ReturnType<typeof nameTokens>): number[] {
  return tokens.map((token) => {
    const span = row.spans.find(
      (s) => TAGGER_TYPE_OF_DATA[s.type] && token.start >= s.start && token.end <= s.end,
    );
    if (span === undefined) return 0;
    const type = TAGGER_TYPE_OF_DATA[span.type] as string;
    const first = !tokens.some((t) => t.start >= span.start && t.end <= span.end && t.start < token.start);
    return TAGGER_LABELS.indexOf(`${first ? 'B' : 'I'}-${type}`);
  });
}

/**
 * Trains the named-entity tagger on the development templates of the PII data (validation
 * templates held out, see `validationTemplates`), early-stopped on a fifth of the development
 * templates, then folds each vocabulary word's vector into a weight row and writes the tagger,
 * its word list and its card. Returns the card with the validation figures.
 */
export async function trainNameTagger(
  options: NameTaggerOptions,
  log: (line: string) => void,
): Promise<NameTaggerCard> {
  const started = performance.now();
  const rows = readPiiRows(options.data);
  const held = validationTemplates(rows);
  const development = rows.filter((row) => !held.has(row.templateId));
  const validation = rows.filter((row) => held.has(row.templateId));
  const inner = innerTemplates(development);
  const words = readFileSync(options.vocabularyFile, 'utf8').split('\n').slice(0, options.words);
  const rowOf = new Map(words.map((word, i) => [word, i]));
  const dimensions = options.encoder.dimensions;
  const vectors = new Float32Array(words.length * dimensions);
  for (let start = 0; start < words.length; start += 2048) {
    const batch = await options.encoder.embed(words.slice(start, start + 2048));
    batch.forEach((vector, i) => {
      vectors.set(vector, (start + i) * dimensions);
    });
  }
  log(`${words.length} word vectors`);

  const examplesOf = (part: readonly PiiRow[]): TrainingExample[] =>
    part.flatMap((row) => {
      const tokens = nameTokens(row.text);
      const labels = tokenLabels(row, tokens);
      const context = featureContext(tokens);
      return tokens.map((token, i) => {
        const word = rowOf.get(token.text.toLowerCase());
        const embedding = new Float32Array(dimensions + NAME_DENSE_FEATURES);
        if (word !== undefined) embedding.set(vectors.subarray(word * dimensions, (word + 1) * dimensions));
        embedding.set(denseShape(tokens, i, word), dimensions);
        return {
          embedding,
          lexical: sparseFeatures(tokens, i, options.buckets, context),
          label: labels[i] as number,
          weight: 1,
        };
      });
    });
  const fit = examplesOf(development.filter((row) => !inner.has(row.templateId)));
  const stop = examplesOf(development.filter((row) => inner.has(row.templateId)));
  const runs = Array.from({ length: options.models }, (_, k) =>
    trainHead(
      {
        labels: TAGGER_LABELS,
        dims: dimensions + NAME_DENSE_FEATURES,
        buckets: options.buckets,
        hidden: options.trainer.hidden,
      },
      fit,
      stop,
      { ...options.trainer, seed: options.trainer.seed + k },
      (e) =>
        log(
          `model ${k + 1}/${options.models} epoch ${e.epoch}: train loss ${e.trainLoss.toFixed(4)}, held-out loss ${e.innerLoss.toFixed(4)}`,
        ),
    ),
  );
  const trained = { weights: averageHeads(runs.map((run) => run.weights)) };
  const weights = foldWordVectors(trained.weights, vectors, words.length, dimensions);

  mkdirSync(options.out, { recursive: true });
  const model = encodeHeadModel(weights, { name: 'pii-names' });
  const wordList = `${words.join('\n')}\n`;
  writeFileSync(join(options.out, NAME_TAGGER_FILES.model), model);
  writeFileSync(join(options.out, NAME_TAGGER_FILES.words), wordList);
  const draft: NameTaggerCard = {
    name: 'pii-names',
    description:
      'Tags people (PERSON), places (LOCATION: cities, countries), street addresses (STREET_ADDRESS) and organisations (ORGANIZATION) in text, token by token.',
    labels: TAGGER_LABELS,
    buckets: options.buckets,
    words: words.length,
    hidden: options.trainer.hidden * options.models,
    files: { [NAME_TAGGER_FILES.model]: sha256(model), [NAME_TAGGER_FILES.words]: sha256(wordList) },
  };
  writeFileSync(join(options.out, NAME_TAGGER_FILES.card), `${JSON.stringify(draft, null, 2)}\n`);
  const tagger = NameTagger.load(options.out);
  const measure = (part: readonly PiiRow[]) =>
    scoreSpans(
      part.map((row) => ({
        gold: row.spans.flatMap((s) => {
          const type = TAGGER_TYPE_OF_DATA[s.type];
          return type ? [{ type, start: s.start, end: s.end }] : [];
        }),
        predicted: tagger.tag(row.text).filter((span) => span.score >= DEFAULT_PII_MIN_CONFIDENCE),
      })),
      NAME_PII_TYPES,
    );
  const card: NameTaggerCard = {
    ...draft,
    encoder: {
      name: modelName(options.encoder.id),
      id: options.encoder.id,
      vocabulary: basename(options.vocabularyFile),
    },
    data: { file: basename(options.data), sha256: sha256(readFileSync(options.data)), rows: rows.length },
    split: {
      rule: 'by template, stratified by the rarest entity type of each template; every fourth template of each stratum (by sha256 of its id) is validation; early stopping on every fifth development template (by sha256("inner:" + id))',
      developmentRows: development.length,
      validationRows: validation.length,
      validationTemplates: held.size,
    },
    training: {
      trainer: options.trainer,
      tokens: { fit: fit.length, earlyStopping: stop.length },
      models: runs.map((run) => ({ bestEpoch: run.bestEpoch, epochsRun: run.epochs.length })),
      seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
    },
    metrics: {
      minConfidence: DEFAULT_PII_MIN_CONFIDENCE,
      validation: countsToMetrics(measure(validation)),
      development: countsToMetrics(measure(development)),
    },
  };
  writeFileSync(join(options.out, NAME_TAGGER_FILES.card), `${JSON.stringify(card, null, 2)}\n`);
  writeFileSync(join(options.out, 'README.md'), renderTaggerReadme(card));
  return card;
}

/**
 * The trained tagger with its word-vector input folded away: each word's row is its vector times
 * the first layer's word-vector weights (what that input contributed), appended after the hashed
 * buckets; the dense input keeps the shape features only. Rounded to float16 as stored.
 */
function foldWordVectors(
  weights: HeadWeights,
  vectors: Float32Array,
  words: number,
  dimensions: number,
): HeadWeights {
  const width = firstLayerWidth(weights);
  const table = new Float32Array((weights.buckets + words) * width);
  table.set(weights.lexical);
  for (let w = 0; w < words; w++) {
    const row = (weights.buckets + w) * width;
    for (let d = 0; d < dimensions; d++) {
      const x = vectors[w * dimensions + d] as number;
      if (x === 0) continue;
      for (let k = 0; k < width; k++)
        table[row + k] = (table[row + k] as number) + x * (weights.embedding[d * width + k] as number);
    }
  }
  return {
    ...weights,
    dims: weights.dims - dimensions,
    buckets: weights.buckets + words,
    embedding: weights.embedding.slice(dimensions * width),
    lexical: fromFloat16(toFloat16(table)),
  };
}
