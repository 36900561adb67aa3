import type { ChatMessage, ChatRequest, ChatRole } from './chat-request.ts';
import { RequestBudget } from './request-budget.ts';
import { PromptTokenCounter } from './token-count.ts';

/**
 * Which messages a text-reading signal looks at: the last user message; every message whose text
 * comes from outside the application (user messages, and tool and function results, where an
 * injected instruction arrives); or every message, system prompt and assistant turns included.
 */
export type TextScope = 'last-user' | 'user' | 'conversation';

export const TEXT_SCOPES = ['last-user', 'user', 'conversation'] as const satisfies readonly TextScope[];

/** Roles whose messages make up the `user` scope. */
const USER_SCOPE_ROLES: ReadonlySet<ChatRole> = new Set(['user', 'tool', 'function']);

/** Requests with more text than this may pause between their steps. */
const LARGE_TEXT_CHARS = 32 * 1024;

/** What joins the texts of a scope's messages in {@link RouterRequest.text}. */
export const SCOPE_SEPARATOR = '\n\n';

/**
 * Everything the pipeline knows about one request: its id, headers, the parsed chat body and the
 * time it may take. Texts per scope are joined once, on first use, and shared by every signal.
 */
export class RouterRequest {
  readonly id: string;
  readonly headers: ReadonlyMap<string, string>;
  readonly chat: ChatRequest;
  /** The request's time budget; long work pauses on it (see {@link RequestBudget}). */
  readonly budget: RequestBudget;
  readonly #texts = new Map<TextScope, string>();
  readonly #lowerTexts = new Map<TextScope, string>();
  #tokens: PromptTokenCounter | undefined;
  #textChars: number | undefined;

  constructor(
    id: string,
    headers: ReadonlyMap<string, string>,
    chat: ChatRequest,
    budget: RequestBudget = RequestBudget.unlimited(),
  ) {
    this.id = id;
    this.headers = headers;
    this.chat = chat;
    this.budget = budget;
  }

  /** Characters of text in all messages together: what the request's scans may have to read. */
  get textChars(): number {
    if (this.#textChars === undefined) {
      let total = 0;
      for (const message of this.chat.messages) total += message.text.length;
      this.#textChars = total;
    }
    return this.#textChars;
  }

  /**
   * Whether the request is large enough that its work may need pausing (see {@link RequestBudget}):
   * a smaller one is routed in one go, which costs less than checking the clock between its steps.
   */
  get large(): boolean {
    return this.textChars > LARGE_TEXT_CHARS;
  }

  /** The prompt's token count, counted as far as anyone asks and shared by signals and selection. */
  get tokens(): PromptTokenCounter {
    this.#tokens ??= new PromptTokenCounter(this.chat.messages);
    return this.#tokens;
  }

  /** The text of a scope in lower case, built once per request and shared by every keyword signal. */
  lowerText(scope: TextScope): string {
    let text = this.#lowerTexts.get(scope);
    if (text === undefined) {
      text = this.text(scope).toLowerCase();
      this.#lowerTexts.set(scope, text);
    }
    return text;
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
    if (scope === 'conversation' || USER_SCOPE_ROLES.has(message.role)) indices.push(index);
  });
  return indices;
}
