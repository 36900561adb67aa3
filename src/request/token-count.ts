import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { isSpace } from './chars.ts';
import type { ChatMessage } from './chat-request.ts';
import type { RequestBudget } from './request-budget.ts';

/**
 * Text that looks like a special token (`<|endoftext|>`) is counted as the plain text it is:
 * a prompt may quote one, and it must not make counting fail.
 */
const AS_PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

/** Tokens the chat format adds around each message and to prime the reply (OpenAI's published accounting). */
const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_REPLY = 3;

/**
 * Longest stretch without whitespace handed to the BPE in one piece. BPE merging is quadratic in the
 * length of a pre-token, and one word of a megabyte would take minutes; cutting such a stretch every
 * 64 characters keeps counting linear and changes the count of ordinary text not at all (words are
 * shorter) and of a long stretch by a token or two per cut.
 */
const MAX_RUN = 64;

/** Characters counted per step, so that counting can stop soon after a limit is passed. */
const PIECE_CHARS = 8192;
const MIN_PIECE_CHARS = 256;

/** Tokens counted between two looks at the budget. */
const STEP_TOKENS = 2048;

function framing(messages: readonly ChatMessage[]): number {
  return TOKENS_PER_REPLY + TOKENS_PER_MESSAGE * messages.length;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/**
 * Where the piece of `text` that starts at `start` ends: after at most {@link PIECE_CHARS}
 * characters, at the last whitespace when there is one, and inside a stretch without whitespace
 * every {@link MAX_RUN} characters (never between the halves of a surrogate pair).
 */
function pieceEnd(text: string, start: number, maxChars: number): number {
  const limit = Math.min(text.length, start + maxChars);
  let run = 0;
  let lastSpace = -1;
  for (let i = start; i < limit; i++) {
    const code = text.charCodeAt(i);
    if (isSpace(code)) {
      run = 0;
      lastSpace = i;
      continue;
    }
    if (++run >= MAX_RUN && !isHighSurrogate(code)) return i + 1;
  }
  if (limit === text.length || lastSpace <= start) return limit;
  return lastSpace;
}

/**
 * Counts a prompt's tokens with the o200k_base BPE (GPT-4o family) piece by piece, only as far as a
 * question needs: asking whether the prompt has at most N tokens tokenizes at most about N tokens
 * of it (and nothing when its byte length already answers), and later questions continue where the
 * earlier ones stopped. Work is linear in the text counted. Other model families tokenize
 * differently, typically within ±15% on English text; policies set thresholds with that margin.
 */
export class PromptTokenCounter {
  readonly #messages: readonly ChatMessage[];
  #counted: number;
  #message = 0;
  #offset = 0;
  #upperBound: number | undefined;

  constructor(messages: readonly ChatMessage[]) {
    this.#messages = messages;
    this.#counted = framing(messages);
  }

  /** Whether every message has been counted. */
  get done(): boolean {
    return this.#message >= this.#messages.length;
  }

  /** Tokens counted so far: the exact count once {@link done}, a lower bound before. */
  get counted(): number {
    return this.#counted;
  }

  /** The exact count, if counting has reached the end. */
  get exact(): number | undefined {
    return this.done ? this.#counted : undefined;
  }

  /** Whether the prompt's byte length alone shows that it has at most `limit` tokens. */
  atMostFromBytes(limit: number): boolean {
    this.#upperBound ??= this.#byteBound();
    return this.#upperBound <= limit;
  }

  /** Whether the prompt has at most `limit` tokens. */
  atMost(limit: number): boolean {
    if (this.done) return this.#counted <= limit;
    this.#upperBound ??= this.#byteBound();
    if (this.#upperBound <= limit) return true;
    this.#countUntil(limit + 1);
    return this.done && this.#counted <= limit;
  }

  /**
   * {@link atMost} for any prompt size: counting a long prompt pauses on the request's budget (and
   * throws BudgetExhausted when it runs out), so it never holds the event loop for long.
   */
  async atMostPausing(limit: number, budget: RequestBudget): Promise<boolean> {
    if (this.done) return this.#counted <= limit;
    this.#upperBound ??= this.#byteBound();
    if (this.#upperBound <= limit) return true;
    while (!this.done && this.#counted <= limit) {
      this.#countUntil(Math.min(limit + 1, this.#counted + STEP_TOKENS));
      if (budget.due()) await budget.pause();
    }
    return this.done && this.#counted <= limit;
  }

  /** Counts every token (bounded by the text's length); prefer {@link atMost}. */
  total(): number {
    this.#countUntil(Number.POSITIVE_INFINITY);
    return this.#counted;
  }

  /** Every BPE token covers at least one UTF-8 byte. */
  #byteBound(): number {
    let total = framing(this.#messages);
    for (const message of this.#messages) total += Buffer.byteLength(message.text);
    return total;
  }

  #countUntil(target: number): void {
    while (this.#counted < target) {
      const message = this.#messages[this.#message];
      if (message === undefined) return;
      const text = message.text;
      if (this.#offset >= text.length) {
        this.#message++;
        this.#offset = 0;
        continue;
      }
      // Near the target, smaller pieces, so that counting stops soon after passing it (a token is
      // rarely longer than 8 characters).
      const wanted = Math.min(PIECE_CHARS, Math.max(MIN_PIECE_CHARS, (target - this.#counted) * 8));
      const end = pieceEnd(text, this.#offset, wanted);
      this.#counted += countTokens(text.slice(this.#offset, end), AS_PLAIN_TEXT);
      this.#offset = end;
    }
  }
}

/** Counts a few tokens, so that the BPE tables are built at start rather than by the first request. */
export function warmTokenizer(): void {
  countTokens('warm up the tokenizer', AS_PLAIN_TEXT);
}
