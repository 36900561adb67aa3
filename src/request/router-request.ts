import type { ChatMessage, ChatRequest } from './chat-request.ts';
import { countPromptTokens, countPromptTokensWithin, promptTokenUpperBound } from './token-count.ts';

/** Which messages a text-reading signal looks at. */
export type TextScope = 'last-user' | 'user' | 'conversation';

/** What joins the texts of a scope's messages in {@link RouterRequest.text}. */
export const SCOPE_SEPARATOR = '\n\n';

/**
 * Everything the pipeline knows about one request: its id, headers and the parsed chat body.
 * Texts per scope are joined once, on first use, and shared by every signal.
 */
export class RouterRequest {
  readonly id: string;
  readonly headers: ReadonlyMap<string, string>;
  readonly chat: ChatRequest;
  readonly #texts = new Map<TextScope, string>();
  readonly #lexicons = new Map<string, Lexicon>();
  readonly #derived = new Map<string, unknown>();
  #promptTokens: number | undefined;
  #tokenUpperBound: number | undefined;

  constructor(id: string, headers: ReadonlyMap<string, string>, chat: ChatRequest) {
    this.id = id;
    this.headers = headers;
    this.chat = chat;
  }

  /** Prompt tokens of the whole conversation, counted once. */
  promptTokens(): number {
    this.#promptTokens ??= countPromptTokens(this.chat.messages);
    return this.#promptTokens;
  }

  /** The exact prompt token count if something has already needed it, else undefined. */
  countedPromptTokens(): number | undefined {
    return this.#promptTokens;
  }

  /**
   * Whether the prompt has at most `limit` tokens, tokenizing only as far as needed: not at all
   * when the byte length already decides, and never past the limit.
   */
  promptTokensAtMost(limit: number): boolean {
    if (this.#promptTokens !== undefined) return this.#promptTokens <= limit;
    this.#tokenUpperBound ??= promptTokenUpperBound(this.chat.messages);
    if (this.#tokenUpperBound <= limit) return true;
    const count = countPromptTokensWithin(this.chat.messages, limit);
    if (count === undefined) return false;
    this.#promptTokens = count;
    return true;
  }

  /**
   * The whitespace-normalised text of a scope, case-folded unless `caseSensitive`: built once per
   * request and shared by every keyword signal.
   */
  lexicon(scope: TextScope, caseSensitive: boolean): Lexicon {
    const key = caseSensitive ? `${scope}:cs` : scope;
    let lexicon = this.#lexicons.get(key);
    if (!lexicon) {
      lexicon = buildLexicon(this.text(scope), caseSensitive);
      this.#lexicons.set(key, lexicon);
    }
    return lexicon;
  }

  /** The text of the messages in `scope`, joined by blank lines ({@link SCOPE_SEPARATOR}). */
  text(scope: TextScope): string {
    let text = this.#texts.get(scope);
    if (text === undefined) {
      const { messages } = this.chat;
      text = messagesIn(messages, scope)
        .map((index) => messages[index]?.text ?? '')
        .join(SCOPE_SEPARATOR);
      this.#texts.set(scope, text);
    }
    return text;
  }

  /** Indices into `chat.messages` of the messages `text(scope)` is made of, in order. */
  messagesIn(scope: TextScope): readonly number[] {
    return messagesIn(this.chat.messages, scope);
  }

  /**
   * A value computed from the request at most once, on first use, and shared by every caller using
   * the same key (e.g. the PII found in a message, read by signals and plugins alike). Keys start
   * with the name of what they hold, e.g. `pii:message:2`.
   */
  derived<T>(key: string, compute: () => T): T {
    if (this.#derived.has(key)) return this.#derived.get(key) as T;
    const value = compute();
    this.#derived.set(key, value);
    return value;
  }
}

/** A text prepared for keyword matching. */
export interface Lexicon {
  /** The text with each run of whitespace turned into one space. */
  text: string;
}

/** Whitespace other than single spaces: only texts that have some need normalising. */
const UNUSUAL_SPACE = /[^\S ]| {2}/;

function buildLexicon(raw: string, caseSensitive: boolean): Lexicon {
  const folded = caseSensitive ? raw : raw.toLowerCase();
  return { text: UNUSUAL_SPACE.test(folded) ? folded.replace(/\s+/g, ' ') : folded };
}

function messagesIn(messages: readonly ChatMessage[], scope: TextScope): number[] {
  if (scope === 'last-user') {
    for (let i = messages.length - 1; i >= 0; i--) {
      if (messages[i]?.role === 'user') return [i];
    }
    return [];
  }
  const indices: number[] = [];
  messages.forEach((message, index) => {
    if (scope === 'conversation' || message.role === 'user') indices.push(index);
  });
  return indices;
}
