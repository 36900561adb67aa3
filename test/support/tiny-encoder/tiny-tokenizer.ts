import { TINY_SPECIAL_TOKENS } from './tiny-vocabulary.ts';

/**
 * A BERT-style (uncased) WordPiece tokenizer in the Hugging Face `tokenizer.json` format over
 * `vocabulary` (token i has id i): BertNormalizer lower-casing, BertPreTokenizer, WordPiece with
 * `##` continuations, and a TemplateProcessing post-processor `[CLS] $A [SEP]`
 * (`[CLS] $A [SEP] $B:1 [SEP]:1` for pairs). `vocabulary` must start with TINY_SPECIAL_TOKENS.
 */
export function tinyTokenizerJson(vocabulary: readonly string[]): Record<string, unknown> {
  TINY_SPECIAL_TOKENS.forEach((token, id) => {
    if (vocabulary[id] !== token) throw new Error(`vocabulary[${id}] must be ${token}`);
  });
  const idOf = (token: string): number => vocabulary.indexOf(token);
  const special = (id: string, typeId: number) => ({ SpecialToken: { id, type_id: typeId } });
  const sequence = (id: string, typeId: number) => ({ Sequence: { id, type_id: typeId } });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: TINY_SPECIAL_TOKENS.map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: true,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [special('[CLS]', 0), sequence('A', 0), special('[SEP]', 0)],
      pair: [
        special('[CLS]', 0),
        sequence('A', 0),
        special('[SEP]', 0),
        sequence('B', 1),
        special('[SEP]', 1),
      ],
      special_tokens: Object.fromEntries(
        ['[CLS]', '[SEP]'].map((token) => [token, { id: token, ids: [idOf(token)], tokens: [token] }]),
      ),
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocabulary.map((token, id) => [token, id])),
    },
  };
}
