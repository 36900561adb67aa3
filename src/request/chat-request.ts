import { isUtf8 } from 'node:buffer';
import { RouterError } from '../errors.ts';
import { isRecord } from './is-record.ts';
import { type JsonShapeLimits, jsonShapeProblem, parsedShapeProblem } from './json-shape.ts';

/** The roles of the OpenAI chat format. A message's role is read case-insensitively and trimmed. */
export const CHAT_ROLES = ['system', 'developer', 'user', 'assistant', 'tool', 'function'] as const;
export type ChatRole = (typeof CHAT_ROLES)[number];

const ROLES: ReadonlySet<string> = new Set(CHAT_ROLES);

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
  /** Some message has an image content part. */
  readonly hasImages: boolean;
  /** The body asks for a reasoning effort (`reasoning_effort`). */
  readonly wantsReasoning: boolean;
  /**
   * True when some message spelled its role otherwise than {@link ChatMessage.role} (`User`,
   * `" user"`): the forwarded body then carries the roles the router read, so that the backend sees
   * the conversation the router checked.
   */
  readonly rolesRespelled: boolean;
}

/** Bounds on a request body that parsing enforces, each a 400 when exceeded. */
export interface ChatRequestLimits extends JsonShapeLimits {
  maxMessages: number;
}

/** The settings a policy bounds a request body with. */
export interface BodyLimitSettings {
  maxBodyBytes: number;
  maxJsonDepth: number;
  maxJsonValues: number;
  maxMessages: number;
}

/** The parsing limits of a policy's settings. */
export function chatLimits(settings: BodyLimitSettings): ChatRequestLimits {
  return {
    maxDepth: settings.maxJsonDepth,
    maxValues: settings.maxJsonValues,
    maxMessages: settings.maxMessages,
  };
}

/** A 413 when a body of `bytes` (declared or received; NaN when unknown) is over the policy's limit. */
export function bodyTooLarge(bytes: number, settings: BodyLimitSettings): RouterError | undefined {
  if (!(bytes > settings.maxBodyBytes)) return undefined;
  return new RouterError(
    'payload_too_large',
    `request body of ${bytes} bytes exceeds the limit of ${settings.maxBodyBytes} bytes`,
  );
}

/** Generous bounds for callers without a policy (tools, tests). */
const DEFAULT_CHAT_LIMITS: ChatRequestLimits = { maxDepth: 64, maxValues: 100_000, maxMessages: 2048 };

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

/** Whether a message's content has an image part (`image_url`, or `input_image`). */
function hasImagePart(message: unknown): boolean {
  if (!isRecord(message) || !Array.isArray(message.content)) return false;
  return message.content.some(
    (part) => isRecord(part) && (part.type === 'image_url' || part.type === 'input_image'),
  );
}

/** The role a message's `role` field names, case-insensitively and trimmed; a 400 when it names none. */
function readRole(value: unknown, index: number): { role: ChatRole; respelled: boolean } {
  if (typeof value !== 'string' || value === '') {
    throw new RouterError('bad_request', `messages[${index}].role must be a string`);
  }
  const role = value.trim().toLowerCase();
  if (!ROLES.has(role)) {
    throw new RouterError(
      'bad_request',
      `messages[${index}].role ${JSON.stringify(value.slice(0, 40))} is not a chat role; use one of ${CHAT_ROLES.join(', ')}`,
    );
  }
  return { role: role as ChatRole, respelled: role !== value };
}

/**
 * Bodies up to this size are parsed, then their shape checked on the parsed value (a walk over a few
 * nodes); larger ones have their shape checked on the bytes first, since parsing a hostile one
 * (millions of nested arrays) would take seconds.
 */
const PARSE_FIRST_BYTES = 64 * 1024;

function decodeJson(raw: Buffer, limits: JsonShapeLimits): unknown {
  if (raw.length === 0) {
    throw new RouterError('bad_request', 'the request body is empty; a chat request is JSON');
  }
  if (!isUtf8(raw)) throw new RouterError('bad_request', 'the request body is not valid UTF-8');
  const large = raw.length > PARSE_FIRST_BYTES;
  const before = large ? jsonShapeProblem(raw, limits) : undefined;
  if (before) throw new RouterError('bad_request', before);
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch (error) {
    throw new RouterError('bad_request', `request body is not valid JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const after = large ? undefined : parsedShapeProblem(value, limits);
  if (after) throw new RouterError('bad_request', after);
  return value;
}

/**
 * Parses a chat completions body. Throws a `bad_request` RouterError with a message naming the
 * offending field when the body is not UTF-8 JSON, exceeds `limits`, or is not a chat request;
 * unknown fields are kept as they are.
 */
export function parseChatRequest(raw: Buffer, limits: ChatRequestLimits = DEFAULT_CHAT_LIMITS): ChatRequest {
  const body = decodeJson(raw, limits);
  if (!isRecord(body)) throw new RouterError('bad_request', 'request body must be a JSON object');
  const rawMessages = body.messages;
  if (!Array.isArray(rawMessages) || rawMessages.length === 0) {
    throw new RouterError('bad_request', "'messages' must be a non-empty array");
  }
  if (rawMessages.length > limits.maxMessages) {
    throw new RouterError(
      'bad_request',
      `'messages' has ${rawMessages.length} messages, more than the limit of ${limits.maxMessages}`,
    );
  }
  let rolesRespelled = false;
  const messages: ChatMessage[] = rawMessages.map((message, index) => {
    if (!isRecord(message)) throw new RouterError('bad_request', `messages[${index}] must be an object`);
    const { role, respelled } = readRole(message.role, index);
    if (respelled) rolesRespelled = true;
    return { role, text: contentText(message.content, index) };
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
    hasImages: rawMessages.some(hasImagePart),
    wantsReasoning: typeof body.reasoning_effort === 'string',
    rolesRespelled,
  };
}
