/**
 * Small builders for OpenAI-style chat traffic: request bodies and requests, and upstreams that
 * answer like a chat completions server (a JSON echo, or a server-sent event stream).
 */
import type { ForwardedRequest, HttpRequest, Upstream, UpstreamResponse } from './http-types.ts';

export type ChatRole = 'system' | 'developer' | 'user' | 'assistant' | 'tool';

export interface ChatMessage {
  role: ChatRole;
  content: string | readonly unknown[] | null;
  name?: string;
  [field: string]: unknown;
}

/** Fields of the body besides `messages`; anything else given is copied into the body as is. */
export interface ChatBodyOptions {
  /** Default `auto` (the router picks). */
  model?: string;
  stream?: boolean;
  [field: string]: unknown;
}

/** Request-level options of {@link chatRequest}. */
export interface ChatRequestOptions {
  headers?: Readonly<Record<string, string>>;
  /** Default `/v1/chat/completions`. */
  path?: string;
  authority?: string;
  requestId?: string;
}

/** A chat completions body as JSON: a prompt becomes a single user message. */
export function chatBody(input: string | readonly ChatMessage[], options: ChatBodyOptions = {}): string {
  const { model = 'auto', stream, ...extra } = options;
  const messages = typeof input === 'string' ? [{ role: 'user', content: input }] : input;
  const body: Record<string, unknown> = { model, messages, ...extra };
  if (stream !== undefined) body.stream = stream;
  return JSON.stringify(body);
}

/** A full `POST /v1/chat/completions` request with a JSON body. */
export function chatRequest(
  input: string | readonly ChatMessage[],
  body: ChatBodyOptions = {},
  request: ChatRequestOptions = {},
): HttpRequest {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (body.stream) headers.accept = 'text/event-stream';
  const out: HttpRequest = {
    method: 'POST',
    path: request.path ?? '/v1/chat/completions',
    headers: { ...headers, ...request.headers },
    body: chatBody(input, body),
  };
  if (request.authority !== undefined) out.authority = request.authority;
  if (request.requestId !== undefined) out.requestId = request.requestId;
  return out;
}

/** What {@link echoUpstream} reports about the request it received, under `echo` in its JSON. */
export interface EchoReport {
  /** `model` of the forwarded body (null when absent or the body is not JSON). */
  model: string | null;
  /** The forwarded `x-selected-model` header (null when absent). */
  selectedModel: string | null;
  path: string;
  routeCacheCleared: boolean;
  /** Last user message text, when there was one. */
  prompt: string | null;
}

let completionCounter = 0;

/**
 * An upstream that answers 200 with a `chat.completion` echoing what it got: `model` is the
 * forwarded body's model (else the `x-selected-model` header), `echo` reports both, and the
 * assistant message repeats them. With `stream: true` in the body it answers the same as SSE
 * `chat.completion.chunk` events.
 */
export const echoUpstream: Upstream = (forwarded: ForwardedRequest): UpstreamResponse => {
  const parsed = parseJson(forwarded.body);
  const report: EchoReport = {
    model: typeof parsed?.model === 'string' ? parsed.model : null,
    selectedModel: forwarded.headers['x-selected-model'] ?? null,
    path: forwarded.path,
    routeCacheCleared: forwarded.routeCacheCleared,
    prompt: lastUserText(parsed?.messages),
  };
  const model = report.model ?? report.selectedModel ?? 'unknown';
  const content = `echo model=${report.model ?? ''} selected=${report.selectedModel ?? ''}`;
  const id = `chatcmpl-emu-${++completionCounter}`;
  const created = Math.floor(Date.now() / 1000);
  if (parsed?.stream === true) {
    const words = content.split(' ');
    return sseUpstream([
      ...words.map((word, index) => ({
        id,
        object: 'chat.completion.chunk',
        created,
        model,
        choices: [{ index: 0, delta: { content: index === 0 ? word : ` ${word}` }, finish_reason: null }],
      })),
      {
        id,
        object: 'chat.completion.chunk',
        created,
        model,
        choices: [{ index: 0, delta: {}, finish_reason: 'stop' }],
      },
    ])(forwarded) as UpstreamResponse;
  }
  const promptTokens = Math.ceil(forwarded.body.length / 4);
  const completionTokens = Math.ceil(content.length / 4);
  const body = {
    id,
    object: 'chat.completion',
    created,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    },
    echo: report,
  };
  return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
};

export interface SseUpstreamOptions {
  /** Append `data: [DONE]`. Default true. */
  done?: boolean;
  /** Wait this long before each event, so pieces arrive one by one like a live model. Default 0. */
  delayMs?: number;
  status?: number;
  headers?: Readonly<Record<string, string>>;
}

/**
 * An upstream answering `text/event-stream`: each object becomes `data: <json>\n\n`, each string
 * is sent as is when it already is an SSE event (starts with `data:`, `event:`, `id:` or `:`) and
 * wrapped as `data: <string>\n\n` otherwise. The pieces come through an async iterable, one event
 * per data frame.
 */
export function sseUpstream(
  events: ReadonlyArray<string | object>,
  options: SseUpstreamOptions = {},
): Upstream {
  const { done = true, delayMs = 0, status = 200, headers = {} } = options;
  const frames = events.map(toSseEvent);
  if (done) frames.push('data: [DONE]\n\n');
  return (forwarded) => ({
    status,
    headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...headers },
    chunks: eventStream(frames, delayMs, forwarded.signal),
  });
}

/** OpenAI `chat.completion.chunk` objects carrying `pieces` as content deltas, then a stop chunk. */
export function chatCompletionChunks(pieces: readonly string[], model = 'test-model'): object[] {
  const id = `chatcmpl-emu-${++completionCounter}`;
  const created = Math.floor(Date.now() / 1000);
  const chunk = (delta: object, finish: string | null) => ({
    id,
    object: 'chat.completion.chunk',
    created,
    model,
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
  return [
    chunk({ role: 'assistant', content: '' }, null),
    ...pieces.map((p) => chunk({ content: p }, null)),
    chunk({}, 'stop'),
  ];
}

async function* eventStream(
  frames: readonly string[],
  delayMs: number,
  signal: AbortSignal,
): AsyncGenerator<string> {
  for (const frame of frames) {
    if (delayMs > 0) await sleep(delayMs, signal);
    if (signal.aborted) return;
    yield frame;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

function toSseEvent(event: string | object): string {
  if (typeof event !== 'string') return `data: ${JSON.stringify(event)}\n\n`;
  if (/^(data:|event:|id:|retry:|:)/.test(event)) return event.endsWith('\n\n') ? event : `${event}\n\n`;
  return `data: ${event}\n\n`;
}

function parseJson(body: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function lastUserText(messages: unknown): string | null {
  if (!Array.isArray(messages)) return null;
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i] as { role?: unknown; content?: unknown } | undefined;
    if (message?.role === 'user' && typeof message.content === 'string') return message.content;
  }
  return null;
}
