import { describe, expect, it } from 'vitest';
import { chatBody, chatCompletionChunks, chatRequest, echoUpstream, sseUpstream } from './chat.ts';
import type { ForwardedRequest, UpstreamResponse } from './http-types.ts';

function forwarded(body: string, headers: Record<string, string> = {}): ForwardedRequest {
  return {
    method: 'POST',
    path: '/v1/chat/completions',
    authority: 'localhost',
    scheme: 'http',
    headers,
    headerList: Object.entries(headers),
    originalHeaders: headers,
    body: Buffer.from(body),
    routeCacheCleared: false,
    signal: new AbortController().signal,
  };
}

async function collect(response: UpstreamResponse): Promise<string[]> {
  const out: string[] = [];
  if (!response.chunks) return out;
  for await (const chunk of response.chunks as AsyncIterable<string | Buffer>) out.push(chunk.toString());
  return out;
}

describe('chatBody and chatRequest', () => {
  it('builds an OpenAI chat completions body from a prompt or messages', () => {
    expect(JSON.parse(chatBody('hello'))).toEqual({
      model: 'auto',
      messages: [{ role: 'user', content: 'hello' }],
    });
    const body = JSON.parse(
      chatBody(
        [
          { role: 'system', content: 'be brief' },
          { role: 'user', content: 'hi' },
        ],
        { model: 'gpt-x', stream: true, temperature: 0.2 },
      ),
    );
    expect(body).toEqual({
      model: 'gpt-x',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'hi' },
      ],
      temperature: 0.2,
      stream: true,
    });
  });

  it('builds a POST request with JSON headers', () => {
    const request = chatRequest(
      'hi',
      { stream: true },
      { headers: { authorization: 'Bearer t' }, requestId: 'r' },
    );
    expect(request).toMatchObject({
      method: 'POST',
      path: '/v1/chat/completions',
      requestId: 'r',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: 'Bearer t' },
    });
    expect(JSON.parse(String(request.body)).stream).toBe(true);
  });
});

describe('echoUpstream', () => {
  it('echoes the forwarded model and x-selected-model', async () => {
    const response = await echoUpstream(
      forwarded(chatBody('hi', { model: 'm1' }), { 'x-selected-model': 'm2' }),
    );
    expect(response.status).toBe(200);
    const body = JSON.parse(String(response.body));
    expect(body).toMatchObject({
      object: 'chat.completion',
      model: 'm1',
      echo: { model: 'm1', selectedModel: 'm2', prompt: 'hi', routeCacheCleared: false },
    });
    expect(body.choices[0].message.content).toBe('echo model=m1 selected=m2');
  });

  it('answers as SSE chunks when the body asks to stream', async () => {
    const response = await echoUpstream(forwarded(chatBody('hi', { model: 'm1', stream: true })));
    expect(response.headers).toMatchObject({ 'content-type': 'text/event-stream' });
    const events = await collect(response);
    expect(events.at(-1)).toBe('data: [DONE]\n\n');
    const text = events
      .slice(0, -1)
      .map((e) => JSON.parse(e.slice('data: '.length)).choices[0].delta.content ?? '')
      .join('');
    expect(text).toBe('echo model=m1 selected=');
  });
});

describe('sseUpstream', () => {
  it('frames objects and strings as SSE events and ends with [DONE]', async () => {
    const upstream = sseUpstream([{ a: 1 }, 'plain', 'event: ping\ndata: x']);
    const events = await collect(await upstream(forwarded('{}')));
    expect(events).toEqual([
      'data: {"a":1}\n\n',
      'data: plain\n\n',
      'event: ping\ndata: x\n\n',
      'data: [DONE]\n\n',
    ]);
  });

  it('chatCompletionChunks makes role, content and stop chunks', () => {
    const chunks = chatCompletionChunks(['a', 'b'], 'm') as Array<{
      choices: Array<{ delta: object; finish_reason: unknown }>;
    }>;
    expect(chunks).toHaveLength(4);
    expect(chunks[1]?.choices[0]?.delta).toEqual({ content: 'a' });
    expect(chunks[3]?.choices[0]?.finish_reason).toBe('stop');
  });
});
