import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { ModelLoadError } from '../model-files.ts';

/** One text as model inputs: token ids and their token type ids, special tokens included. */
export interface TokenizedText {
  ids: number[];
  typeIds: number[];
}

/**
 * A Hugging Face `tokenizer.json` (WordPiece, BPE, Unigram…) that turns a text into at most
 * `maxTokens` ids with the tokenizer's own special tokens, truncating the text (never the special
 * tokens) the way `tokenizers` does with `truncation: longest_first`.
 */
export interface TextTokenizer {
  /** The id to pad batches with (the tokenizer's padding id, else `[PAD]` / `<pad>`, else 0). */
  readonly padId: number;
  encode(text: string, maxTokens: number): TokenizedText;
}

function readJson(file: string, what: string): Record<string, unknown> {
  if (!existsSync(file)) throw new ModelLoadError(file, `${what} not found`);
  try {
    const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new Error('not a JSON object');
    return value as Record<string, unknown>;
  } catch (error) {
    throw new ModelLoadError(file, `${what} does not parse (${(error as Error).message})`, { cause: error });
  }
}

/**
 * Loads `tokenizer.json`, with the `tokenizer_config.json` beside it when there is one. A missing
 * file, invalid JSON or a configuration the tokenizer library rejects throws a ModelLoadError.
 */
export function loadTextTokenizer(file: string): TextTokenizer {
  const json = readJson(file, 'tokenizer');
  const configFile = join(dirname(file), 'tokenizer_config.json');
  const config = existsSync(configFile) ? readJson(configFile, 'tokenizer config') : {};
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(json, config);
  } catch (error) {
    throw new ModelLoadError(file, `not a usable tokenizer.json (${(error as Error).message})`, {
      cause: error,
    });
  }
  const unknownId = tokenizer.model?.unk_token_id;
  const toId = (token: string): number => {
    const id = tokenizer.token_to_id(token) ?? unknownId;
    if (id === undefined)
      throw new Error(`token ${JSON.stringify(token)} has no id and there is no unknown token`);
    return id;
  };
  const specials = (tokens: string[]) =>
    tokenizer.post_processor
      ? tokenizer.post_processor(tokens, null, true)
      : { tokens, token_type_ids: undefined };
  const overhead = specials([]).tokens.length;
  const padding = json.padding as { pad_id?: unknown } | null | undefined;
  const padId =
    typeof padding?.pad_id === 'number'
      ? padding.pad_id
      : (tokenizer.token_to_id('[PAD]') ?? tokenizer.token_to_id('<pad>') ?? 0);
  return {
    padId,
    encode(text, maxTokens) {
      const content = tokenizer.tokenize(text, { add_special_tokens: false });
      const { tokens, token_type_ids } = specials(content.slice(0, Math.max(0, maxTokens - overhead)));
      return { ids: tokens.map(toId), typeIds: token_type_ids ?? tokens.map(() => 0) };
    },
  };
}
