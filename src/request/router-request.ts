import type { ChatMessage, ChatRequest } from './chat-request.ts';
import { countPromptTokens, countPromptTokensWithin, promptTokenUpperBound } from './token-count.ts';

/** Which messages a text-reading signal looks at. */
export type TextScope = 'last-user' | 'user' | 'conversation';

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

  /** The text of the messages in `scope`, joined by blank lines. */
  text(scope: TextScope): string {
    let text = this.#texts.get(scope);
    if (text === undefined) {
      text = joinScope(this.chat.messages, scope);
      this.#texts.set(scope, text);
    }
    return text;
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

function joinScope(messages: readonly ChatMessage[], scope: TextScope): string {
  if (scope === 'last-user') {
    for (let i = messages.length - 1; i >= 0; i--) {
      const message = messages[i];
      if (message?.role === 'user') return message.text;
    }
    return '';
  }
  const parts: string[] = [];
  for (const message of messages) {
    if (scope === 'conversation' || message.role === 'user') parts.push(message.text);
  }
  return parts.join('\n\n');
}
