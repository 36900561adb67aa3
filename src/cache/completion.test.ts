import { describe, expect, it } from 'vitest';
import { completionFromJson, completionFromStream, hitResponse } from './completion.ts';

const chunk = (choices: object[], extra: object = {}) =>
  `data: ${JSON.stringify({ id: 'up-1', object: 'chat.completion.chunk', created: 1, model: 'm', choices, ...extra })}\n\n`;

const STREAM = [
  chunk([{ index: 0, delta: { role: 'assistant', content: 'Hel' }, finish_reason: null }]),
  chunk([{ index: 0, delta: { content: 'lo' }, finish_reason: null }]),
  chunk([
    {
      index: 0,
      delta: {
        tool_calls: [
          { index: 0, id: 'call-1', type: 'function', function: { name: 'get', arguments: '{"a"' } },
        ],
      },
      finish_reason: null,
    },
  ]),
  chunk([
    { index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: ':1}' } }] }, finish_reason: null },
  ]),
  chunk([{ index: 0, delta: {}, finish_reason: 'tool_calls' }]),
  chunk([], { usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } }),
].join('');

describe('a streamed completion', () => {
  it('is rebuilt from its chunks: content, tool calls, finish reason and usage', () => {
    const completion = completionFromStream(`${STREAM}data: [DONE]\n\n`);
    expect(completion).toMatchObject({
      object: 'chat.completion',
      model: 'm',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'Hello',
            tool_calls: [{ id: 'call-1', type: 'function', function: { name: 'get', arguments: '{"a":1}' } }],
          },
          finish_reason: 'tool_calls',
        },
      ],
      usage: { total_tokens: 7 },
    });
  });

  it('is nothing when the stream was cut before [DONE] or carries something else', () => {
    expect(completionFromStream(STREAM)).toBeUndefined();
    expect(completionFromStream(`data: {oops\n\ndata: [DONE]\n\n`)).toBeUndefined();
  });

  it('is nothing when the upstream reported an error mid-stream or a choice never finished', () => {
    const half = chunk([{ index: 0, delta: { role: 'assistant', content: 'Hel' }, finish_reason: null }]);
    const error = `data: ${JSON.stringify({ object: 'error', message: 'out of memory', code: 500 })}\n\n`;
    expect(completionFromStream(`${half}${error}data: [DONE]\n\n`)).toBeUndefined();
    expect(
      completionFromStream(`${half}data: {"error":{"message":"overloaded"}}\n\ndata: [DONE]\n\n`),
    ).toBeUndefined();
    expect(completionFromStream(`${half}data: [DONE]\n\n`)).toBeUndefined();
  });

  it('is served again as chunks ending in [DONE], with the request’s id and usage saying it was cached', () => {
    const completion = completionFromStream(`${STREAM}data: [DONE]\n\n`) ?? {};
    const hit = hitResponse(completion, {
      requestId: 'r1',
      stream: true,
      includeUsage: true,
      tier: 'semantic',
      similarity: 0.93,
      now: 1000,
    });
    expect(hit.headers).toMatchObject({ 'x-router-cache': 'hit', 'x-router-cache-similarity': '0.9300' });
    const again = completionFromStream(hit.body.toString());
    expect(again).toMatchObject({
      id: 'chatcmpl-r1',
      created: 1000,
      usage: { cached: true, total_tokens: 0 },
    });
    expect(again?.choices).toEqual(completion.choices);
  });
});

describe('a buffered completion', () => {
  const body = (value: object) => Buffer.from(JSON.stringify(value));
  const choice = { index: 0, message: { role: 'assistant', content: 'Hi' }, finish_reason: 'stop' };

  it('is kept whole when every choice finished', () => {
    expect(completionFromJson(body({ id: 'x', choices: [choice] }))).toMatchObject({ choices: [choice] });
  });

  it('is nothing when it carries an error, has no choice, or a choice without a finish reason', () => {
    expect(completionFromJson(body({ error: { message: 'bad' }, choices: [choice] }))).toBeUndefined();
    expect(completionFromJson(body({ choices: [] }))).toBeUndefined();
    expect(completionFromJson(body({ choices: [{ ...choice, finish_reason: null }] }))).toBeUndefined();
    expect(completionFromJson(Buffer.from('not json'))).toBeUndefined();
  });
});
