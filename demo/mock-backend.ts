/**
 * A small OpenAI-compatible model backend for demos and end-to-end checks. It does not run a model:
 * every chat completion says which backend answered, which `model` the request named (after the
 * router rewrote it) and what the last user message was, so it is easy to see where a request went.
 *
 *   POST /v1/chat/completions   JSON completion, or SSE chunks with `stream: true`
 *   GET  /v1/models             the one model this backend serves
 *   GET  /health                liveness
 *
 * Run it as a script: `PORT=8000 MODEL_NAME=llama-3.1-8b-instruct node --import tsx demo/mock-backend.ts`.
 * It imports only Node's built-ins and uses only TypeScript that Node can strip, so Node 22.18 and newer
 * also run it as it is; the demo's backend image (the Dockerfile's `demo-backends` stage) does.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';

export interface MockBackendOptions {
  /** Port to listen on; 0 picks a free one. Default 8000. */
  port?: number;
  /** Interface to bind. Default 0.0.0.0. */
  host?: string;
  /** The model this backend pretends to serve. */
  modelName: string;
  /** Pause between streamed chunks, to make streaming visible in a demo. Default 0. */
  chunkDelayMs?: number;
}

export interface MockBackend {
  port: number;
  close(): Promise<void>;
}

/** Largest request body accepted, like a real server's limit. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;
/** How much of the last user message the answer quotes. */
const ECHO_CHARS = 80;
/** `created` of the served model. */
const STARTED_AT = Math.floor(Date.now() / 1000);

interface ChatMessage {
  role?: unknown;
  content?: unknown;
}

interface ChatRequest {
  model?: unknown;
  messages: ChatMessage[];
  stream?: unknown;
  stream_options?: { include_usage?: unknown } | null;
  max_tokens?: unknown;
  max_completion_tokens?: unknown;
}

interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

class HttpError extends Error {
  readonly status: number;
  readonly type: string;
  readonly code: string | null;
  readonly param: string | null;

  constructor(
    status: number,
    message: string,
    type = 'invalid_request_error',
    code: string | null = null,
    param: string | null = null,
  ) {
    super(message);
    this.status = status;
    this.type = type;
    this.code = code;
    this.param = param;
  }
}

/**
 * Rough token count: about four characters per token for English text, and never zero for
 * non-empty text. Good enough for a realistic-looking `usage` object.
 */
export function estimateTokens(text: string): number {
  const trimmed = text.trim();
  if (trimmed === '') return 0;
  const words = trimmed.split(/\s+/).length;
  return Math.max(words, Math.ceil(trimmed.length / 4));
}

/** Text of a message `content`: a string, or the text parts of a content-part list. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part: unknown) => {
        if (typeof part === 'object' && part !== null && 'text' in part) {
          const text = (part as { text: unknown }).text;
          return typeof text === 'string' ? text : '';
        }
        return '';
      })
      .filter((text) => text !== '')
      .join(' ');
  }
  return '';
}

function shorten(text: string, max: number): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length <= max ? oneLine : `${oneLine.slice(0, max - 1)}…`;
}

/** Prompt tokens as chat templates count them: the text plus a few tokens of framing per message. */
function promptTokens(messages: readonly ChatMessage[]): number {
  return messages.reduce((sum, m) => sum + 4 + estimateTokens(contentText(m.content)), 3);
}

function parseChatRequest(body: string): ChatRequest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new HttpError(
      400,
      'We could not parse the JSON body of your request.',
      'invalid_request_error',
      'invalid_json',
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new HttpError(
      400,
      'The request body must be a JSON object.',
      'invalid_request_error',
      'invalid_json',
    );
  }
  const request = parsed as Partial<ChatRequest>;
  if (!Array.isArray(request.messages) || request.messages.length === 0) {
    throw new HttpError(
      400,
      "'messages' must be a non-empty array.",
      'invalid_request_error',
      null,
      'messages',
    );
  }
  for (const message of request.messages) {
    if (typeof message !== 'object' || message === null || Array.isArray(message)) {
      throw new HttpError(
        400,
        "Each entry of 'messages' must be an object.",
        'invalid_request_error',
        null,
        'messages',
      );
    }
  }
  return request as ChatRequest;
}

function tokenLimit(request: ChatRequest): number | undefined {
  for (const value of [request.max_completion_tokens, request.max_tokens]) {
    if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
  }
  return undefined;
}

/** The answer text, cut to the token limit if there is one, and why generation stopped. */
function composeAnswer(modelName: string, request: ChatRequest): { words: string[]; finishReason: string } {
  const requested = typeof request.model === 'string' ? request.model : '(none)';
  const lastUser = [...request.messages].reverse().find((m) => m.role === 'user');
  const quoted = lastUser ? shorten(contentText(lastUser.content), ECHO_CHARS) : '';
  const text = `Backend ${modelName} answered. Requested model: ${requested}. Last user message: "${quoted}"`;
  const words = text.split(' ');
  const limit = tokenLimit(request);
  if (limit !== undefined && estimateTokens(text) > limit) {
    const kept: string[] = [];
    for (const word of words) {
      if (estimateTokens([...kept, word].join(' ')) > limit) break;
      kept.push(word);
    }
    return { words: kept, finishReason: 'length' };
  }
  return { words, finishReason: 'stop' };
}

function completionId(): string {
  return `chatcmpl-${randomBytes(12).toString('hex')}`;
}

function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: http.OutgoingHttpHeaders = {},
) {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    ...headers,
  });
  res.end(payload);
}

function sendError(res: http.ServerResponse, error: HttpError, headers: http.OutgoingHttpHeaders = {}) {
  sendJson(
    res,
    error.status,
    { error: { message: error.message, type: error.type, param: error.param, code: error.code } },
    headers,
  );
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, `Request body is larger than ${MAX_BODY_BYTES} bytes.`));
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function handleChat(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  modelName: string,
  chunkDelayMs: number,
): Promise<void> {
  const request = parseChatRequest(await readBody(req));
  const { words, finishReason } = composeAnswer(modelName, request);
  const content = words.join(' ');
  const prompt = promptTokens(request.messages);
  const completion = estimateTokens(content);
  const usage: Usage = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
  };
  const id = completionId();
  const created = Math.floor(Date.now() / 1000);
  const backendHeader = { 'x-backend-model': modelName };

  if (request.stream !== true) {
    sendJson(
      res,
      200,
      {
        id,
        object: 'chat.completion',
        created,
        model: modelName,
        choices: [
          { index: 0, message: { role: 'assistant', content }, logprobs: null, finish_reason: finishReason },
        ],
        usage,
      },
      backendHeader,
    );
    return;
  }

  const includeUsage = request.stream_options?.include_usage === true;
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    ...backendHeader,
  });
  const send = (choices: unknown[], extra: Record<string, unknown> = {}) => {
    const chunk = { id, object: 'chat.completion.chunk', created, model: modelName, choices, ...extra };
    res.write(`data: ${JSON.stringify(chunk)}\n\n`);
  };
  const usageField = includeUsage ? { usage: null } : {};
  send(
    [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }],
    usageField,
  );
  for (const [i, word] of words.entries()) {
    if (res.destroyed) return;
    if (chunkDelayMs > 0) await sleep(chunkDelayMs);
    const piece = i === 0 ? word : ` ${word}`;
    send([{ index: 0, delta: { content: piece }, logprobs: null, finish_reason: null }], usageField);
  }
  send([{ index: 0, delta: {}, logprobs: null, finish_reason: finishReason }], usageField);
  if (includeUsage) send([], { usage });
  res.end('data: [DONE]\n\n');
}

function route(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  options: Required<Omit<MockBackendOptions, 'port' | 'host'>>,
): Promise<void> | void {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  const method = req.method ?? 'GET';
  const allow = (methods: string) => {
    if (methods.split(', ').includes(method)) return true;
    sendError(res, new HttpError(405, `Method ${method} is not allowed on ${path}.`), { allow: methods });
    req.resume();
    return false;
  };
  switch (path) {
    case '/v1/chat/completions':
      if (!allow('POST')) return;
      return handleChat(req, res, options.modelName, options.chunkDelayMs);
    case '/v1/models':
      if (!allow('GET, HEAD')) return;
      sendJson(res, 200, {
        object: 'list',
        data: [{ id: options.modelName, object: 'model', created: STARTED_AT, owned_by: 'mock-backend' }],
      });
      return;
    case '/health':
      if (!allow('GET, HEAD')) return;
      sendJson(res, 200, { status: 'ok', model: options.modelName });
      return;
    default:
      req.resume();
      sendError(
        res,
        new HttpError(404, `Unknown request URL: ${method} ${path}.`, 'invalid_request_error', 'not_found'),
      );
  }
}

/** Starts the backend; resolves once it is listening. */
export function startMockBackend(options: MockBackendOptions): Promise<MockBackend> {
  const settings = { modelName: options.modelName, chunkDelayMs: options.chunkDelayMs ?? 0 };
  const server = http.createServer((req, res) => {
    Promise.resolve(route(req, res, settings)).catch((error: unknown) => {
      const httpError =
        error instanceof HttpError ? error : new HttpError(500, 'The mock backend failed.', 'server_error');
      if (res.headersSent) res.destroy();
      else sendError(res, httpError, httpError.status === 413 ? { connection: 'close' } : {});
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8000, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      const { port } = server.address() as AddressInfo;
      resolve({
        port,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((error) => (error ? fail(error) : done()));
            server.closeAllConnections();
          }),
      });
    });
  });
}

async function main(): Promise<void> {
  const modelName = process.env.MODEL_NAME;
  if (!modelName) {
    console.error('MODEL_NAME must name the model this backend serves');
    process.exit(2);
  }
  const port = Number(process.env.PORT ?? 8000);
  const host = process.env.HOST ?? '0.0.0.0';
  const chunkDelayMs = Number(process.env.CHUNK_DELAY_MS ?? 0);
  const backend = await startMockBackend({ port, host, modelName, chunkDelayMs });
  console.log(JSON.stringify({ msg: 'mock backend listening', model: modelName, host, port: backend.port }));
  const stop = () => {
    backend.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

const entry = process.argv[1];
if (entry && import.meta.url === pathToFileURL(entry).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
