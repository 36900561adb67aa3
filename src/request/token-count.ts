import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import type { ChatMessage } from './chat-request.ts';

/** Tokens the chat format adds around each message and to prime the reply (OpenAI's published accounting). */
const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_REPLY = 3;

/**
 * Counts the prompt's tokens with the o200k_base BPE (GPT-4o family). Other model families tokenize
 * differently, typically within ±15% on English text; policies set thresholds with that margin.
 */
export function countPromptTokens(messages: readonly ChatMessage[]): number {
  let total = TOKENS_PER_REPLY;
  for (const message of messages) total += TOKENS_PER_MESSAGE + (message.text ? countTokens(message.text) : 0);
  return total;
}
