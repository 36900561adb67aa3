import type { RoutePlan } from '../plugins/plugin.ts';
import { type ChatMessage, CONTENT_PART_SEPARATOR, contentPartText } from '../request/chat-request.ts';
import { isRecord } from '../request/is-record.ts';
import type { ReasoningFamily } from '../selection/model-spec.ts';
import type { SignalSpan } from '../signals/signal.ts';

type Message = Record<string, unknown>;

function isSystem(message: unknown): message is Message {
  if (typeof message !== 'object' || message === null) return false;
  const role = (message as Message).role;
  return role === 'system' || role === 'developer';
}

function joinContent(content: unknown, text: string, where: 'prepend' | 'append'): unknown {
  if (Array.isArray(content)) {
    const part = { type: 'text', text };
    return where === 'prepend' ? [part, ...content] : [...content, part];
  }
  const existing = typeof content === 'string' ? content : '';
  if (existing === '') return text;
  return where === 'prepend' ? `${text}\n\n${existing}` : `${existing}\n\n${text}`;
}

function applySystemPrompt(messages: unknown[], prompt: NonNullable<RoutePlan['systemPrompt']>): unknown[] {
  const index = messages.findIndex(isSystem);
  const existing = index >= 0 ? (messages[index] as Message) : undefined;
  if (!existing) return [{ role: 'system', content: prompt.text }, ...messages];
  if (prompt.mode === 'insert-if-missing') return messages;
  const content =
    prompt.mode === 'replace' ? prompt.text : joinContent(existing.content, prompt.text, prompt.mode);
  const copy = [...messages];
  copy[index] = { ...existing, content };
  return copy;
}

/**
 * `text` with every span that lies within it replaced by `[TYPE]`; `offset` is where `text` starts in
 * the message text the spans refer to.
 */
function redactText(text: string, spans: readonly SignalSpan[], offset: number): string {
  let out = '';
  let from = 0;
  for (const span of spans) {
    const start = span.start - offset;
    const end = span.end - offset;
    if (start < from || end > text.length) continue;
    out += `${text.slice(from, start)}[${span.type}]`;
    from = end;
  }
  return from === 0 ? text : out + text.slice(from);
}

/** The message content with the spans replaced: a string, or the text of each text-bearing part. */
function redactContent(content: unknown, spans: readonly SignalSpan[]): unknown {
  if (typeof content === 'string') return redactText(content, spans, 0);
  if (!Array.isArray(content)) return content;
  let offset = 0;
  let changed = false;
  const parts = content.map((part) => {
    const text = contentPartText(part);
    if (text === undefined) return part;
    const redacted = redactText(text, spans, offset);
    offset += text.length + CONTENT_PART_SEPARATOR.length;
    if (redacted === text) return part;
    changed = true;
    return { ...(part as Message), text: redacted };
  });
  return changed ? parts : content;
}

function applyRedactions(messages: unknown[], redactions: NonNullable<RoutePlan['redactions']>): unknown[] {
  let copy: unknown[] | undefined;
  for (const [index, spans] of redactions) {
    const message = messages[index];
    if (typeof message !== 'object' || message === null) continue;
    const content = redactContent((message as Message).content, spans);
    if (content === (message as Message).content) continue;
    copy ??= [...messages];
    copy[index] = { ...(message as Message), content };
  }
  return copy ?? messages;
}

/** Whether the client gave the field a value of its own (JSON `null` counts as not given). */
function given(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/**
 * The body fields that carry the plan's reasoning intent in the model family's convention, or undefined
 * when nothing is to change: no intent, no family, or the client already set the field. A key of
 * `chat_template_kwargs` is merged into the client's object; a value there that is not an object is left
 * for the backend to refuse.
 */
function reasoningFields(
  body: Record<string, unknown>,
  family: ReasoningFamily | undefined,
  reasoning: RoutePlan['reasoning'],
): Record<string, unknown> | undefined {
  if (!reasoning || !family) return undefined;
  const { enabled, effort } = reasoning;
  if (family === 'openai' || family === 'gpt-oss') {
    if (given(body.reasoning_effort)) return undefined;
    const off = family === 'openai' ? 'minimal' : 'low';
    return { reasoning_effort: enabled ? effort : off };
  }
  const key = family === 'qwen3' ? 'enable_thinking' : 'thinking';
  const kwargs = body.chat_template_kwargs;
  if (!given(kwargs)) return { chat_template_kwargs: { [key]: enabled } };
  if (!isRecord(kwargs) || given(kwargs[key])) return undefined;
  return { chat_template_kwargs: { ...kwargs, [key]: enabled } };
}

/** Each message's `role` spelled as the router read it (`" User"` becomes `user`). */
function respellRoles(messages: unknown[], read: readonly ChatMessage[]): unknown[] {
  return messages.map((message, index) => {
    const role = read[index]?.role;
    if (!isRecord(message) || role === undefined || message.role === role) return message;
    return { ...message, role };
  });
}

/**
 * The body to forward: `model` set to the backend's name for the chosen model, roles spelled as the
 * router read them (when `readMessages` is given), the plan's redactions applied to the messages they
 * were found in, then its system prompt applied, and its reasoning intent written in the convention
 * of the model's `reasoningFamily`; every other field is kept.
 *
 * Always written anew from what the router parsed, even when nothing changed: the backend then reads
 * exactly the request the router checked. Forwarding the original bytes would let a body with a
 * duplicate key (`"messages"` twice) mean one thing to the router and another to a backend whose
 * parser keeps the first occurrence.
 */
export function rewriteBody(
  body: Record<string, unknown>,
  model: string,
  plan: RoutePlan,
  reasoningFamily?: ReasoningFamily,
  readMessages?: readonly ChatMessage[],
): Buffer {
  const messages = body.messages as unknown[];
  let rewrittenMessages = readMessages ? respellRoles(messages, readMessages) : messages;
  if (plan.redactions) rewrittenMessages = applyRedactions(rewrittenMessages, plan.redactions);
  if (plan.systemPrompt) rewrittenMessages = applySystemPrompt(rewrittenMessages, plan.systemPrompt);
  const reasoning = reasoningFields(body, reasoningFamily, plan.reasoning);
  return Buffer.from(JSON.stringify({ ...body, ...reasoning, model, messages: rewrittenMessages }));
}
