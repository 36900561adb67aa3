import type { RoutePlan } from '../plugins/plugin.ts';

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
 * The body to forward: `model` set to the backend's name for the chosen model and the plan's
 * system prompt applied; every other field is kept. Returns undefined when nothing changes, so the
 * original bytes are forwarded as they came.
 */
export function rewriteBody(
  body: Record<string, unknown>,
  model: string,
  plan: RoutePlan,
): Buffer | undefined {
  const messages = body.messages as unknown[];
  const rewrittenMessages = plan.systemPrompt ? applySystemPrompt(messages, plan.systemPrompt) : messages;
  if (body.model === model && rewrittenMessages === messages) return undefined;
  return Buffer.from(JSON.stringify({ ...body, model, messages: rewrittenMessages }));
}
