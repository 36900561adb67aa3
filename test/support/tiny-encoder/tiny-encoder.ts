import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeOnnxModel } from '../../../src/models/onnx/onnx-graph.ts';
import { type TinyEncoderVariant, tinyEncoderGraph } from './tiny-encoder-graph.ts';
import { tinyTokenizerJson } from './tiny-tokenizer.ts';
import { buildTinyVocabulary } from './tiny-vocabulary.ts';

/** The files of a written tiny encoder, ready for `TransformerEncoder.load`. */
export interface TinyEncoderFiles {
  model: string;
  tokenizer: string;
}

/**
 * Writes a tiny, deterministic BERT-style encoder into `directory` as `model.onnx` and
 * `tokenizer.json` (a Hugging Face WordPiece tokenizer of about 2,000 tokens). It exercises the
 * transformer-encoder path end to end without any download; its vectors only know a few topics.
 * The same variant and seed always write the same bytes.
 */
export function writeTinyEncoder(
  directory: string,
  options: { variant?: TinyEncoderVariant; seed?: number } = {},
): TinyEncoderFiles {
  const vocabulary = buildTinyVocabulary();
  const graph = tinyEncoderGraph(vocabulary, options.variant ?? 'token-embeddings', {
    ...(options.seed === undefined ? {} : { seed: options.seed }),
  });
  mkdirSync(directory, { recursive: true });
  const files = { model: join(directory, 'model.onnx'), tokenizer: join(directory, 'tokenizer.json') };
  writeFileSync(files.model, encodeOnnxModel(graph));
  writeFileSync(files.tokenizer, `${JSON.stringify(tinyTokenizerJson(vocabulary), null, 2)}\n`);
  return files;
}
