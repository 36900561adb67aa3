import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readHeadWeights } from '../../models/heads/head-model-reader.ts';
import { type HeadWeights, softmaxInPlace } from '../../models/heads/head-weights.ts';
import { MODELS_DIR, ModelLoadError, sha256 } from '../../models/model-files.ts';
import { CompactVocabulary } from '../../models/static-encoder/compact-vocabulary.ts';
import {
  denseShape,
  featureContext,
  NAME_DENSE_FEATURES,
  type NameToken,
  nameTokens,
  sparseFeatures,
} from './name-tokens.ts';
import { NAME_PII_TYPES, type NamePiiType, type PiiSpan } from './pii-types.ts';

/** Where the shipped tagger lives. */
export const NAME_TAGGER_DIR = join(MODELS_DIR, 'pii-names');

/** The tagger's files in its folder. */
export const NAME_TAGGER_FILES = { model: 'tagger.onnx', words: 'words.txt', card: 'card.json' } as const;

/**
 * Characters the tagger reads of a text, and of a request (its messages from the last one back, see
 * `messageNames`): the work per request stays bounded.
 */
export const NAME_TAGGER_MAX_CHARS = 8192;

/**
 * What the tagger's `card.json` says that the runtime reads: its BIO tags, its hashed feature
 * buckets (the first rows of the weight table; the word rows follow, one per line of `words.txt`),
 * hidden units and files' SHA-256; the rest documents data, split and metrics.
 */
export interface NameTaggerCard {
  name: string;
  labels: string[];
  buckets: number;
  words: number;
  hidden: number;
  files: Record<string, string>;
  [more: string]: unknown;
}

function checkedFile(directory: string, name: string, card: NameTaggerCard): Buffer {
  const file = join(directory, name);
  if (!existsSync(file))
    throw new ModelLoadError(file, 'not found; train it with `semantic-router train pii`');
  const bytes = readFileSync(file);
  const digest = sha256(bytes);
  if (digest !== card.files[name])
    throw new ModelLoadError(
      file,
      `SHA-256 ${digest.slice(0, 12)}… differs from the card's; retrain or restore it`,
    );
  return bytes;
}

/**
 * A token tagger for names (PERSON), places (LOCATION: cities, countries), street addresses and
 * organisations: per token, an MLP over hashed features of the token and its neighbours, a few
 * shape features, and a row per known word that folds in the word's vector from the embedded
 * encoder (so words never seen in training still read as what their vectors say). Greedy BIO
 * decoding; a span's score is the mean probability of its tokens' tags. Runs in JavaScript.
 */
export class NameTagger {
  private constructor(
    readonly card: NameTaggerCard,
    private readonly weights: HeadWeights,
    private readonly vocabulary: CompactVocabulary,
  ) {}

  /** Loads a tagger folder, checking both files against the card's SHA-256. Throws a ModelLoadError. */
  static load(directory: string = NAME_TAGGER_DIR): NameTagger {
    const cardFile = join(directory, NAME_TAGGER_FILES.card);
    if (!existsSync(cardFile))
      throw new ModelLoadError(cardFile, 'not found; train it with `semantic-router train pii`');
    const card = JSON.parse(readFileSync(cardFile, 'utf8')) as NameTaggerCard;
    const model = checkedFile(directory, NAME_TAGGER_FILES.model, card);
    const words = checkedFile(directory, NAME_TAGGER_FILES.words, card).toString('utf8');
    const vocabulary = new CompactVocabulary(words);
    if (vocabulary.size !== card.words)
      throw new ModelLoadError(
        join(directory, NAME_TAGGER_FILES.words),
        `${vocabulary.size} words, the card says ${card.words}`,
      );
    const weights = readHeadWeights(model, {
      labels: card.labels,
      dims: NAME_DENSE_FEATURES,
      buckets: card.buckets + card.words,
      hidden: card.hidden,
    });
    return new NameTagger(card, weights, vocabulary);
  }

  /** The word row of a token (after the hashed buckets), or undefined for a word without a vector. */
  private wordRow(lower: string): number | undefined {
    const row = this.vocabulary.idOf(lower);
    return row === undefined ? undefined : this.card.buckets + row - 1;
  }

  /** Tag probabilities of each token, in the card's label order. */
  tokenProbabilities(tokens: readonly NameToken[]): Float32Array[] {
    const context = featureContext(tokens);
    const { weights } = this;
    const hidden = weights.hidden;
    const labels = weights.labels.length;
    const first = new Float32Array(hidden);
    // The head's forward pass (see `headProbabilities`) with one scratch layer for all tokens.
    const addRow = (row: number, x: number) => {
      const at = row * hidden;
      for (let h = 0; h < hidden; h++)
        first[h] = (first[h] as number) + x * (weights.lexical[at + h] as number);
    };
    return tokens.map((_, i) => {
      const row = this.wordRow(context.lower[i] as string);
      const dense = denseShape(tokens, i, row === undefined ? undefined : row - this.card.buckets);
      const sparse = sparseFeatures(tokens, i, this.card.buckets, context);
      first.set(weights.bias);
      for (let d = 0; d < dense.length; d++) {
        const x = dense[d] as number;
        if (x === 0) continue;
        for (let h = 0; h < hidden; h++)
          first[h] = (first[h] as number) + x * (weights.embedding[d * hidden + h] as number);
      }
      for (let f = 0; f < sparse.ids.length; f++) addRow(sparse.ids[f] as number, sparse.values[f] as number);
      if (row !== undefined) addRow(row, 1);
      const logits = Float32Array.from(weights.outputBias);
      for (let h = 0; h < hidden; h++) {
        const a = first[h] as number;
        if (a <= 0) continue;
        for (let k = 0; k < labels; k++)
          logits[k] = (logits[k] as number) + a * (weights.output[h * labels + k] as number);
      }
      return softmaxInPlace(logits);
    });
  }

  /**
   * The named entities in the first {@link NAME_TAGGER_MAX_CHARS} characters of `text`, sorted by
   * start. A span made only of punctuation is dropped: it is never a name, place or organisation.
   */
  tag(text: string): PiiSpan[] {
    const tokens = nameTokens(
      text.length > NAME_TAGGER_MAX_CHARS ? text.slice(0, NAME_TAGGER_MAX_CHARS) : text,
    );
    const spans = decodeSpans(tokens, this.tokenProbabilities(tokens), this.card.labels);
    return spans.filter((span) => LETTER_OR_DIGIT.test(text.slice(span.start, span.end)));
  }
}

/**
 * Decoding: each token takes its likeliest type (a type's B and I tags summed, or none), and each run
 * of tokens of one type is a span, scored by the mean probability of its tokens' type.
 */
export function decodeSpans(
  tokens: readonly NameToken[],
  probabilities: readonly Float32Array[],
  labels: readonly string[],
): PiiSpan[] {
  const typeIndex = labels.map((label) =>
    label === 'O' ? -1 : NAME_PII_TYPES.indexOf(label.slice(2) as NamePiiType),
  );
  const types: number[] = [];
  const confidence: number[] = [];
  for (const p of probabilities) {
    const byType = new Float64Array(NAME_PII_TYPES.length + 1);
    p.forEach((value, k) => {
      byType[(typeIndex[k] as number) + 1] = (byType[(typeIndex[k] as number) + 1] as number) + value;
    });
    let best = 0;
    for (let t = 1; t < byType.length; t++) if ((byType[t] as number) > (byType[best] as number)) best = t;
    types.push(best - 1);
    confidence.push(byType[best] as number);
  }
  const spans: PiiSpan[] = [];
  for (let i = 0; i < tokens.length; ) {
    const type = types[i] as number;
    if (type < 0) {
      i++;
      continue;
    }
    let j = i;
    let sum = 0;
    while (j < tokens.length && types[j] === type) sum += confidence[j++] as number;
    spans.push({
      type: NAME_PII_TYPES[type] as NamePiiType,
      start: (tokens[i] as NameToken).start,
      end: (tokens[j - 1] as NameToken).end,
      score: sum / (j - i),
    });
    i = j;
  }
  return spans;
}

const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

let shipped: NameTagger | undefined;

/** The shipped tagger, loaded on first use (about 0.1 s) and kept for the process. */
export function shippedNameTagger(): NameTagger {
  shipped ??= NameTagger.load();
  return shipped;
}
