import type { ChatMessage, ChatRequest } from './chat-request.ts';
import { countPromptTokens } from './token-count.ts';

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
  #promptTokens: number | undefined;

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
