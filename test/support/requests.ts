import { parseChatRequest } from '../../src/request/chat-request.ts';
import { RouterRequest } from '../../src/request/router-request.ts';

/** A RouterRequest for a prompt (one user message) or a message list, as the server would build it. */
export function routerRequest(
  prompt: string | { role: string; content: unknown }[],
  options: { model?: string; headers?: Record<string, string>; extra?: Record<string, unknown> } = {},
): RouterRequest {
  const messages = typeof prompt === 'string' ? [{ role: 'user', content: prompt }] : prompt;
  const body = { model: options.model ?? 'auto', messages, ...options.extra };
  return new RouterRequest(
    'test',
    new Map(Object.entries(options.headers ?? {})),
    parseChatRequest(Buffer.from(JSON.stringify(body))),
  );
}
