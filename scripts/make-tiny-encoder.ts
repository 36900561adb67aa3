/**
 * Writes the tiny test encoder (model.onnx + tokenizer.json) into a directory:
 *   node --import tsx scripts/make-tiny-encoder.ts DIR [--pooled] [--seed N]
 * `--pooled` writes the variant with a `sentence_embedding` output and no `token_type_ids` input.
 */
import { parseArgs } from 'node:util';
import { writeTinyEncoder } from '../test/support/tiny-encoder/tiny-encoder.ts';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { pooled: { type: 'boolean', default: false }, seed: { type: 'string' } },
});
const directory = positionals[0];
if (directory === undefined) {
  console.error('usage: make-tiny-encoder.ts DIR [--pooled] [--seed N]');
  process.exit(2);
}
const files = writeTinyEncoder(directory, {
  variant: values.pooled ? 'sentence-embedding' : 'token-embeddings',
  ...(values.seed === undefined ? {} : { seed: Number(values.seed) }),
});
console.log(`wrote ${files.model} and ${files.tokenizer}`);
