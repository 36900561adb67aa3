import { isRecord } from '../request/is-record.ts';
import type { EarlyResponse } from '../response/response-observer.ts';

/**
 * A stored answer: the completion in its non-streamed form (`chat.completion`: choices with their
 * whole message, tool calls included, finish reasons, usage), whichever way it arrived. A hit is
 * built from it as JSON or as an event stream.
 */
export type StoredCompletion = Record<string, unknown>;

/** The completion of a buffered JSON response, if it is one with choices. */
export function completionFromJson(body: Buffer): StoredCompletion | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isRecord(parsed) || parsed.error !== undefined || !Array.isArray(parsed.choices)) return undefined;
  if (parsed.choices.length === 0 || !parsed.choices.every(finished)) return undefined;
  return parsed;
}

/** A choice the model finished (a finish reason), not one an error or a cut left half-written. */
function finished(choice: unknown): boolean {
  return isRecord(choice) && typeof choice.finish_reason === 'string' && choice.finish_reason !== '';
}

interface ToolCallParts {
  id?: string;
  type?: string;
  name: string;
  arguments: string;
}

interface ChoiceParts {
  role: string;
  content: string;
  hasContent: boolean;
  refusal?: string;
  toolCalls: Map<number, ToolCallParts>;
  finishReason: unknown;
}

/**
 * The completion an event stream of `chat.completion.chunk`s adds up to: each choice's content and
 * tool calls joined from their deltas, its finish reason, and the usage of the chunk that carries
 * it. Undefined unless the stream ended with `data: [DONE]` and every event was valid JSON.
 */
export function completionFromStream(body: string): StoredCompletion | undefined {
  const choices = new Map<number, ChoiceParts>();
  let head: Record<string, unknown> | undefined;
  let usage: unknown;
  let done = false;
  for (const event of body.split(/\r?\n\r?\n/)) {
    const data = event
      .split(/\r?\n/)
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).trimStart())
      .join('\n');
    if (data === '') continue;
    if (done) return undefined;
    if (data === '[DONE]') {
      done = true;
      continue;
    }
    let chunk: unknown;
    try {
      chunk = JSON.parse(data);
    } catch {
      return undefined;
    }
    // An error reported inside the stream (vLLM sends one and then [DONE], under status 200).
    if (!isRecord(chunk) || chunk.error !== undefined) return undefined;
    if (chunk.object !== undefined && chunk.object !== 'chat.completion.chunk') return undefined;
    head ??= chunk;
    if (chunk.usage !== undefined && chunk.usage !== null) usage = chunk.usage;
    if (!Array.isArray(chunk.choices)) continue;
    for (const choice of chunk.choices) {
      if (!isRecord(choice)) return undefined;
      const index = typeof choice.index === 'number' ? choice.index : 0;
      let parts = choices.get(index);
      if (!parts) {
        parts = {
          role: 'assistant',
          content: '',
          hasContent: false,
          toolCalls: new Map(),
          finishReason: null,
        };
        choices.set(index, parts);
      }
      if (choice.finish_reason !== undefined && choice.finish_reason !== null)
        parts.finishReason = choice.finish_reason;
      const delta = choice.delta;
      if (!isRecord(delta)) continue;
      if (typeof delta.role === 'string') parts.role = delta.role;
      if (typeof delta.content === 'string') {
        parts.content += delta.content;
        parts.hasContent = true;
      }
      if (typeof delta.refusal === 'string') parts.refusal = (parts.refusal ?? '') + delta.refusal;
      if (Array.isArray(delta.tool_calls)) {
        for (const call of delta.tool_calls) {
          if (!isRecord(call)) return undefined;
          const at = typeof call.index === 'number' ? call.index : parts.toolCalls.size;
          let tool = parts.toolCalls.get(at);
          if (!tool) {
            tool = { name: '', arguments: '' };
            parts.toolCalls.set(at, tool);
          }
          if (typeof call.id === 'string') tool.id = call.id;
          if (typeof call.type === 'string') tool.type = call.type;
          const fn = call.function;
          if (isRecord(fn)) {
            if (typeof fn.name === 'string') tool.name += fn.name;
            if (typeof fn.arguments === 'string') tool.arguments += fn.arguments;
          }
        }
      }
    }
  }
  if (!done || !head || choices.size === 0) return undefined;
  for (const parts of choices.values()) if (parts.finishReason === null) return undefined;
  const completion: StoredCompletion = {
    id: head.id,
    object: 'chat.completion',
    created: head.created,
    model: head.model,
    ...(head.system_fingerprint !== undefined && { system_fingerprint: head.system_fingerprint }),
    choices: [...choices.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, parts]) => ({
        index,
        message: {
          role: parts.role,
          content: parts.hasContent || parts.toolCalls.size === 0 ? parts.content : null,
          ...(parts.refusal !== undefined && { refusal: parts.refusal }),
          ...(parts.toolCalls.size > 0 && {
            tool_calls: [...parts.toolCalls.entries()]
              .sort(([a], [b]) => a - b)
              .map(([, call]) => ({
                id: call.id,
                type: call.type ?? 'function',
                function: { name: call.name, arguments: call.arguments },
              })),
          }),
        },
        finish_reason: parts.finishReason,
      })),
  };
  if (usage !== undefined) completion.usage = usage;
  return completion;
}

/** What a hit says about itself besides the completion. */
export interface HitContext {
  /** The request's own id: the completion's id is built from it. */
  readonly requestId: string;
  readonly stream: boolean;
  /** Whether a streamed request asked for a usage chunk (`stream_options.include_usage`). */
  readonly includeUsage: boolean;
  readonly tier: 'exact' | 'semantic';
  readonly similarity: number;
  /** Seconds since epoch. */
  readonly now: number;
}

/** Usage of a cached answer: nothing spent now, and what the answer cost when it was made. */
function cachedUsage(original: unknown): Record<string, unknown> {
  return {
    prompt_tokens: 0,
    completion_tokens: 0,
    total_tokens: 0,
    cached: true,
    ...(isRecord(original) && { original }),
  };
}

/** The hit's headers: `x-router-cache: hit`, the tier and the similarity. */
function hitHeaders(context: HitContext, contentType: string): Record<string, string> {
  return {
    'content-type': contentType,
    'x-router-cache': 'hit',
    'x-router-cache-tier': context.tier,
    'x-router-cache-similarity': context.similarity.toFixed(4),
  };
}

/** A hit as a complete response: the stored completion with this request's id and time, as JSON or SSE. */
export function hitResponse(stored: StoredCompletion, context: HitContext): EarlyResponse {
  const id = `chatcmpl-${context.requestId}`;
  const created = Math.floor(context.now);
  if (!context.stream) {
    const body = { ...stored, id, created, usage: cachedUsage(stored.usage) };
    return {
      status: 200,
      headers: hitHeaders(context, 'application/json'),
      body: Buffer.from(JSON.stringify(body)),
    };
  }
  const base = {
    id,
    object: 'chat.completion.chunk',
    created,
    model: stored.model,
    ...(stored.system_fingerprint !== undefined && { system_fingerprint: stored.system_fingerprint }),
  };
  const events: unknown[] = [];
  const choices = Array.isArray(stored.choices) ? stored.choices.filter(isRecord) : [];
  for (const [position, choice] of choices.entries()) {
    const index = typeof choice.index === 'number' ? choice.index : position;
    const message = isRecord(choice.message) ? choice.message : {};
    const delta: Record<string, unknown> = {
      role: message.role ?? 'assistant',
      content: message.content ?? '',
    };
    if (typeof message.refusal === 'string') delta.refusal = message.refusal;
    if (Array.isArray(message.tool_calls)) {
      delta.tool_calls = message.tool_calls.filter(isRecord).map((call, i) => ({ index: i, ...call }));
    }
    events.push({ ...base, choices: [{ index, delta, finish_reason: null }] });
    events.push({ ...base, choices: [{ index, delta: {}, finish_reason: choice.finish_reason ?? 'stop' }] });
  }
  if (context.includeUsage) events.push({ ...base, choices: [], usage: cachedUsage(stored.usage) });
  const text = `${events.map((event) => `data: ${JSON.stringify(event)}\n\n`).join('')}data: [DONE]\n\n`;
  return {
    status: 200,
    headers: { ...hitHeaders(context, 'text/event-stream'), 'cache-control': 'no-cache' },
    body: Buffer.from(text),
  };
}
