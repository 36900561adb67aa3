import { RouterError } from '../errors.ts';

/** Roles of the OpenAI chat format; anything else is kept as `other` and never fails a request. */
export type ChatRole = 'system' | 'developer' | 'user' | 'assistant' | 'tool' | 'function' | 'other';

const KNOWN_ROLES = new Set<ChatRole>(['system', 'developer', 'user', 'assistant', 'tool', 'function']);

/**
 * One message reduced to what signals read: its role and its text (the texts of its content parts
 * joined by {@link CONTENT_PART_SEPARATOR}). `chat.messages[i]` is the body's `messages[i]`.
 */
export interface ChatMessage {
  readonly role: ChatRole;
  readonly text: string;
}

/**
 * A parsed OpenAI `/v1/chat/completions` request. `body` is the decoded JSON object, kept whole so
 * that mutations rewrite only what they must and forward every other field untouched.
 */
export interface ChatRequest {
  readonly body: Record<string, unknown>;
  /** The `model` the client asked for (`undefined` when absent). */
  readonly model: string | undefined;
  readonly messages: readonly ChatMessage[];
  readonly stream: boolean;
  readonly hasTools: boolean;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What joins the texts of a message's content parts in {@link ChatMessage.text}. */
export const CONTENT_PART_SEPARATOR = '\n';

/** The text a content part contributes to its message's text, if any (e.g. none for an image). */
export function contentPartText(part: unknown): string | undefined {
  return isRecord(part) && typeof part.text === 'string' ? part.text : undefined;
}

function contentText(content: unknown, index: number): string {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) {
    throw new RouterError(
      'bad_request',
      `messages[${index}].content must be a string or an array of content parts`,
    );
  }
  const texts: string[] = [];
  for (const part of content) {
    const text = contentPartText(part);
    if (text !== undefined) texts.push(text);
  }
  return texts.join(CONTENT_PART_SEPARATOR);
}

/**
 * Parses a chat completions body. Throws a `bad_request` RouterError with a message naming the
 * offending field when the body is not JSON or not a chat request; unknown fields are kept as they are.
 */
export function parseChatRequest(raw: Buffer): ChatRequest {
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch (error) {
    throw new RouterError('bad_request', `request body is not valid JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (!isRecord(body)) throw new RouterError('bad_request', 'request body must be a JSON object');
  const rawMessages = body.messages;
  if (!Array.isArray(rawMessages) || rawMessages.length === 0) {
    throw new RouterError('bad_request', "'messages' must be a non-empty array");
  }
  const messages: ChatMessage[] = rawMessages.map((message, index) => {
    if (!isRecord(message)) throw new RouterError('bad_request', `messages[${index}] must be an object`);
    const role = typeof message.role === 'string' ? message.role : '';
    if (role === '') throw new RouterError('bad_request', `messages[${index}].role must be a string`);
    return {
      role: KNOWN_ROLES.has(role as ChatRole) ? (role as ChatRole) : 'other',
      text: contentText(message.content, index),
    };
  });
  if (body.model !== undefined && typeof body.model !== 'string') {
    throw new RouterError('bad_request', "'model' must be a string");
  }
  return {
    body,
    model: body.model,
    messages,
    stream: body.stream === true,
    hasTools: Array.isArray(body.tools) && body.tools.length > 0,
  };
}
