import { countTokens, isWithinTokenLimit } from 'gpt-tokenizer/encoding/o200k_base';
import type { ChatMessage } from './chat-request.ts';

/**
 * Text that looks like a special token (`<|endoftext|>`) is counted as the plain text it is:
 * a prompt may quote one, and it must not make counting fail.
 */
const AS_PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

/** Below this many characters per token of budget, counting the whole text beats stopping early. */
const FULL_COUNT_CHARS_PER_TOKEN = 8;

/** Tokens the chat format adds around each message and to prime the reply (OpenAI's published accounting). */
const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_REPLY = 3;

function framing(messages: readonly ChatMessage[]): number {
  return TOKENS_PER_REPLY + TOKENS_PER_MESSAGE * messages.length;
}

/**
 * Counts the prompt's tokens with the o200k_base BPE (GPT-4o family). Other model families tokenize
 * differently, typically within ±15% on English text; policies set thresholds with that margin.
 */
export function countPromptTokens(messages: readonly ChatMessage[]): number {
  let total = framing(messages);
  for (const message of messages) if (message.text) total += countTokens(message.text, AS_PLAIN_TEXT);
  return total;
}

/** An upper bound without tokenizing: every BPE token covers at least one UTF-8 byte. */
export function promptTokenUpperBound(messages: readonly ChatMessage[]): number {
  let total = framing(messages);
  for (const message of messages) total += Buffer.byteLength(message.text);
  return total;
}

/**
 * The exact count when it is at most `limit`, else undefined. Stops tokenizing as soon as the
 * limit is passed, so asking whether a long prompt is short costs little.
 */
export function countPromptTokensWithin(messages: readonly ChatMessage[], limit: number): number | undefined {
  let total = framing(messages);
  for (const message of messages) {
    if (!message.text) continue;
    const budget = limit - total;
    if (budget < 0) return undefined;
    const count =
      message.text.length <= budget * FULL_COUNT_CHARS_PER_TOKEN
        ? countTokens(message.text, AS_PLAIN_TEXT)
        : isWithinTokenLimit(message.text, budget, AS_PLAIN_TEXT);
    if (count === false || count > budget) return undefined;
    total += count;
  }
  return total <= limit ? total : undefined;
}
