import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estimateTokens, type MockBackend, startMockBackend } from './mock-backend.ts';

const MODEL = 'llama-3.1-8b-instruct';

interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}
interface Completion {
  id: string;
  object: string;
  created: number;
  model: string;
  choices: { index: number; message: { role: string; content: string }; finish_reason: string }[];
  usage: Usage;
}
interface Chunk {
  id: string;
  object: string;
  model: string;
  choices: { index: number; delta: { role?: string; content?: string }; finish_reason: string | null }[];
  usage?: Usage | null;
}
interface ModelList {
  object: string;
  data: { id: string; object: string }[];
}
interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

function json<T>(res: Response): Promise<T> {
  return res.json() as Promise<T>;
}

function answerOf(completion: Completion): string {
  return completion.choices[0]?.message.content ?? '';
}

let backend: MockBackend;
let base: string;

beforeAll(async () => {
  backend = await startMockBackend({ port: 0, host: '127.0.0.1', modelName: MODEL });
  base = `http://127.0.0.1:${backend.port}`;
});

afterAll(async () => {
  await backend.close();
});

function chat(body: unknown): Promise<Response> {
  return fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const messages = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'What is the capital of France?' },
  { role: 'assistant', content: 'Paris.' },
  { role: 'user', content: 'And of Italy?' },
];

/** Splits an SSE body into its `data:` payloads. */
function sseData(text: string): string[] {
  expect(text.endsWith('\n\n')).toBe(true);
  return text
    .split('\n\n')
    .filter((event) => event !== '')
    .map((event) => {
      expect(event.startsWith('data: ')).toBe(true);
      return event.slice('data: '.length);
    });
}

describe('mock backend', () => {
  it('answers a chat completion naming the backend, the requested model and the last user message', async () => {
    const res = await chat({ model: 'rewritten-by-router', messages });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('x-backend-model')).toBe(MODEL);
    const body = await json<Completion>(res);
    expect(body).toMatchObject({
      object: 'chat.completion',
      model: MODEL,
      choices: [{ index: 0, message: { role: 'assistant' }, finish_reason: 'stop' }],
    });
    expect(body.id).toMatch(/^chatcmpl-[0-9a-f]{24}$/);
    expect(body.created).toBeTypeOf('number');
    const content = answerOf(body);
    expect(content).toContain(`Backend ${MODEL} answered`);
    expect(content).toContain('Requested model: rewritten-by-router');
    expect(content).toContain('"And of Italy?"');
    expect(content).not.toContain('capital of France');
  });

  it('reports usage that grows with the prompt', async () => {
    const short = await json<Completion>(
      await chat({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
    );
    const long = await json<Completion>(await chat({ model: 'm', messages }));
    for (const { usage } of [short, long]) {
      expect(usage.prompt_tokens).toBeGreaterThan(0);
      expect(usage.completion_tokens).toBeGreaterThan(0);
      expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
    }
    expect(long.usage.prompt_tokens).toBeGreaterThan(short.usage.prompt_tokens);
    expect(short.usage.completion_tokens).toBe(estimateTokens(answerOf(short)));
  });

  it('quotes only a short part of a long message, and reads content-part lists', async () => {
    const longText = `${'word '.repeat(200)}END`;
    const res = await chat({ model: 'm', messages: [{ role: 'user', content: longText }] });
    const content = answerOf(await json<Completion>(res));
    expect(content.length).toBeLessThan(200);
    expect(content).not.toContain('END');

    const parts = await chat({
      model: 'm',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'from parts' }] }],
    });
    expect(answerOf(await json<Completion>(parts))).toContain('"from parts"');
  });

  it('stops at max_tokens with finish_reason "length"', async () => {
    const body = await json<Completion>(await chat({ model: 'm', messages, max_tokens: 3 }));
    expect(body.choices[0]?.finish_reason).toBe('length');
    expect(body.usage.completion_tokens).toBeLessThanOrEqual(3);
  });

  it('streams SSE chunks ending with [DONE]', async () => {
    const res = await chat({ model: 'requested', messages, stream: true });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const data = sseData(await res.text());
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as Chunk);
    expect(chunks.length).toBeGreaterThan(3);
    const id = chunks[0]?.id;
    expect(id).toMatch(/^chatcmpl-/);
    for (const chunk of chunks) {
      expect(chunk).toMatchObject({ object: 'chat.completion.chunk', model: MODEL, id });
      expect(chunk).not.toHaveProperty('usage');
    }
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: 'assistant', content: '' });
    expect(chunks.at(-1)?.choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text).toContain(`Backend ${MODEL} answered`);
    expect(text).toContain('Requested model: requested');
  });

  it('adds a final usage chunk when stream_options.include_usage is set', async () => {
    const res = await chat({ model: 'm', messages, stream: true, stream_options: { include_usage: true } });
    const data = sseData(await res.text());
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as Chunk);
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    const usage = last?.usage;
    if (!usage) throw new Error('the last chunk carries no usage');
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
    for (const chunk of chunks.slice(0, -1)) expect(chunk.usage).toBeNull();
    const streamed = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(usage.completion_tokens).toBe(estimateTokens(streamed));
  });

  it('lists its model', async () => {
    const res = await fetch(`${base}/v1/models`);
    expect(res.status).toBe(200);
    const body = await json<ModelList>(res);
    expect(body.object).toBe('list');
    expect(body.data).toEqual([expect.objectContaining({ id: MODEL, object: 'model' })]);
  });

  it('answers health checks', async () => {
    const res = await fetch(`${base}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', model: MODEL });
  });

  it('rejects bad JSON with an OpenAI-style 400', async () => {
    const res = await chat('{"model": "m", "messages": [');
    expect(res.status).toBe(400);
    const body = await json<ErrorBody>(res);
    expect(body.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_json' });
    expect(body.error.message).toBeTypeOf('string');
  });

  it('rejects a request without messages with a 400 naming the parameter', async () => {
    const res = await chat({ model: 'm' });
    expect(res.status).toBe(400);
    expect((await json<ErrorBody>(res)).error).toMatchObject({
      type: 'invalid_request_error',
      param: 'messages',
    });
  });

  it('answers unknown paths with an OpenAI-style 404', async () => {
    const res = await fetch(`${base}/v1/embeddings`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
    expect((await json<ErrorBody>(res)).error).toMatchObject({
      type: 'invalid_request_error',
      code: 'not_found',
    });
  });

  it('answers a wrong method with 405', async () => {
    const res = await fetch(`${base}/v1/chat/completions`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });

  it('starts from the command line with PORT and MODEL_NAME', async () => {
    const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'mock-backend.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', MODEL_NAME: 'qwen2.5-72b-instruct' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const newline = out.indexOf('\n');
          if (newline >= 0) resolve(out.slice(0, newline));
        });
        child.once('exit', (code) => reject(new Error(`exited with ${code} before listening`)));
      });
      const { port, model } = JSON.parse(line) as { port: number; model: string };
      expect(model).toBe('qwen2.5-72b-instruct');
      const res = await fetch(`http://127.0.0.1:${port}/v1/models`);
      expect((await json<ModelList>(res)).data[0]?.id).toBe('qwen2.5-72b-instruct');
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  }, 20_000);
});

describe('estimateTokens', () => {
  it('counts roughly four characters per token and at least one per word', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('   ')).toBe(0);
    expect(estimateTokens('hi')).toBe(1);
    expect(estimateTokens('a b c d e')).toBe(5);
    expect(estimateTokens('x'.repeat(400))).toBe(100);
  });
});
