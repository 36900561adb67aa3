import { type Embedder, encodeTexts, type TextEncoding } from '../models/embedder.ts';
import { Memo } from '../request/memo.ts';
import type { RouterRequest, TextScope } from '../request/router-request.ts';

/** Characters of a scope's text that models read: the start and the end of a longer text. */
const MODEL_TEXT_CHARS = 8192;
const TAIL_CHARS = 2048;

/**
 * The text models read from a scope, at most {@link MODEL_TEXT_CHARS}: a longer text keeps its
 * start and its last {@link TAIL_CHARS} characters (where a question or an injected instruction
 * often sits), so the cost of a request does not grow with its size.
 */
export function modelText(request: RouterRequest, scope: TextScope): string {
  return MODEL_TEXT.of(request, scope, () => clipForModel(request.text(scope)));
}

const MODEL_TEXT = new Memo<TextScope, string>();

/** Encodings by encoder and text: `${encoder id}\u0000${text}`. */
const ENCODINGS = new Memo<string, Promise<TextEncoding>>();

/** The key of a value computed once per model and distinct text of a request. */
export function modelTextKey(modelId: string, text: string): string {
  return `${modelId}\u0000${text}`;
}

/** A text cut to at most {@link MODEL_TEXT_CHARS}: its start and its end. */
export function clipForModel(text: string): string {
  if (text.length <= MODEL_TEXT_CHARS) return text;
  return `${text.slice(0, MODEL_TEXT_CHARS - TAIL_CHARS)}\n${text.slice(-TAIL_CHARS)}`;
}

/**
 * The encoding of a scope under one encoder (sentence vector, plus token pooling when the encoder
 * has it), computed once per request: every signal (and the cache) that asks for the same encoder
 * and text shares the one model run. Keyed by the text, not the scope, so scopes with the same
 * text (a single user message is `last-user` and `user`) are encoded once.
 */
export function requestEncoding(
  request: RouterRequest,
  embedder: Embedder,
  scope: TextScope,
): Promise<TextEncoding> {
  const text = modelText(request, scope);
  return ENCODINGS.of(request, modelTextKey(embedder.id, text), async () => {
    const [encoding] = await encodeTexts(embedder, [text]);
    if (encoding === undefined) throw new Error(`${embedder.id} returned no vector`);
    return encoding;
  });
}

/** The sentence vector of a scope under one encoder (see {@link requestEncoding}: one run per text). */
export async function requestEmbedding(
  request: RouterRequest,
  embedder: Embedder,
  scope: TextScope,
): Promise<Float32Array> {
  return (await requestEncoding(request, embedder, scope)).embedding;
}
