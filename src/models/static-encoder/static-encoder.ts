import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Embedder, TextEncoding } from '../embedder.ts';
import { fileSha256, ModelLoadError } from '../model-files.ts';
import { modelId } from '../model-id.ts';
import { loadOnnxSession, type OnnxSession } from '../onnx/onnx-session.ts';
import { CompactVocabulary } from './compact-vocabulary.ts';
import {
  STATIC_ENCODER_FILES,
  STATIC_ENCODER_FORMAT,
  type StaticEncoderCard,
} from './static-encoder-files.ts';
import { type WordVocabulary, wordIds } from './word-tokenizer.ts';

/** Words read per text; the rest of a longer text does not move a mean of this many vectors much. */
const STATIC_ENCODER_MAX_WORDS = 512;

function readCard(directory: string): StaticEncoderCard {
  const file = join(directory, STATIC_ENCODER_FILES.card);
  if (!existsSync(file))
    throw new ModelLoadError(file, 'not found; build it with `semantic-router models build`');
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as StaticEncoderCard;
  } catch (error) {
    throw new ModelLoadError(file, `unreadable card (${(error as Error).message})`, { cause: error });
  }
}

function checkDigest(directory: string, name: string, card: StaticEncoderCard): string {
  const file = join(directory, name);
  if (!existsSync(file))
    throw new ModelLoadError(file, 'not found; build it with `semantic-router models build`');
  const expected = card.files[name];
  const actual = fileSha256(file);
  if (expected !== actual) {
    throw new ModelLoadError(
      file,
      `SHA-256 ${actual.slice(0, 12)}… differs from the card's ${String(expected).slice(0, 12)}…; rebuild it`,
    );
  }
  return actual;
}

/**
 * The embedded static sentence encoder: words are looked up in the vocabulary here, and the ONNX
 * graph sums their weighted vectors, removes the common component and normalises. A text with no
 * known word embeds to the zero vector (similarity 0 to everything).
 */
export class StaticEncoder implements Embedder {
  private constructor(
    readonly id: string,
    readonly dimensions: number,
    private readonly vocabulary: WordVocabulary,
    private readonly session: OnnxSession,
  ) {}

  /** Loads a built encoder, checking both files against the SHA-256 its card lists. */
  static async load(directory: string, options: { verify?: boolean } = {}): Promise<StaticEncoder> {
    const card = readCard(directory);
    if ((card.format ?? 1) !== STATIC_ENCODER_FORMAT)
      throw new ModelLoadError(
        join(directory, STATIC_ENCODER_FILES.card),
        `built in format ${card.format ?? 1}, this version reads format ${STATIC_ENCODER_FORMAT}; rebuild it with \`semantic-router models build\``,
      );
    const verify = options.verify ?? true;
    const modelDigest = verify
      ? checkDigest(directory, STATIC_ENCODER_FILES.model, card)
      : card.files[STATIC_ENCODER_FILES.model];
    if (verify) checkDigest(directory, STATIC_ENCODER_FILES.vocabulary, card);
    const vocabulary = new CompactVocabulary(
      readFileSync(join(directory, STATIC_ENCODER_FILES.vocabulary), 'utf8'),
    );
    const session = await loadOnnxSession(join(directory, STATIC_ENCODER_FILES.model));
    return new StaticEncoder(modelId(card.name, String(modelDigest)), card.dimensions, vocabulary, session);
  }

  /** The vocabulary rows the encoder reads for a text (exposed for lexical features and tests). */
  wordIds(text: string): number[] {
    return wordIds(text, this.vocabulary, STATIC_ENCODER_MAX_WORDS);
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    return (await this.encode(texts)).map((encoding) => encoding.embedding);
  }

  /** Sentence vectors and token pooling (max and min of the unit word vectors) in one model run. */
  async encode(texts: readonly string[]): Promise<TextEncoding[]> {
    if (texts.length === 0) return [];
    const rows = texts.map((text) => this.wordIds(text));
    const width = Math.max(1, ...rows.map((row) => row.length));
    const ids = new BigInt64Array(rows.length * width);
    rows.forEach((row, r) => {
      for (let i = 0; i < row.length; i++) ids[r * width + i] = BigInt(row[i] as number);
    });
    const output = await this.session.run({
      word_ids: { type: 'int64', data: ids, dims: [rows.length, width] },
    });
    const read = (name: string): Float32Array => {
      const flat = output[name];
      if (flat === undefined) throw new Error(`${this.id}: the model has no ${name} output; rebuild it`);
      return flat;
    };
    const sentence = read('sentence_embedding');
    const max = read('token_max');
    const min = read('token_min');
    const d = this.dimensions;
    return rows.map((_, r) => ({
      embedding: sentence.slice(r * d, (r + 1) * d),
      tokenMax: max.slice(r * d, (r + 1) * d),
      tokenMin: min.slice(r * d, (r + 1) * d),
    }));
  }
}
