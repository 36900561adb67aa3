import { describe, expect, it } from 'vitest';
import { RouterError } from '../errors.ts';
import { parseChatRequest } from './chat-request.ts';

const parse = (value: unknown) =>
  parseChatRequest(Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)));

describe('parseChatRequest', () => {
  it('reads string and content-part messages of every role', () => {
    const chat = parse({
      model: 'auto',
      stream: true,
      tools: [{ type: 'function', function: { name: 'f' } }],
      messages: [
        { role: 'system', content: 'sys' },
        { role: 'developer', content: [{ type: 'text', text: 'dev' }] },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'look' },
            { type: 'image_url', image_url: { url: 'x' } },
            { type: 'text', text: 'here' },
          ],
        },
        { role: 'assistant', content: null, tool_calls: [{ id: '1' }] },
        { role: 'tool', content: 'result', tool_call_id: '1' },
      ],
    });
    expect(chat.messages).toEqual([
      { role: 'system', text: 'sys' },
      { role: 'developer', text: 'dev' },
      { role: 'user', text: 'look\nhere' },
      { role: 'assistant', text: '' },
      { role: 'tool', text: 'result' },
    ]);
    expect(chat).toMatchObject({ model: 'auto', stream: true, hasTools: true });
  });

  it.each([
    { name: 'malformed JSON', body: '{"model": "auto",', message: 'not valid JSON' },
    { name: 'a JSON array', body: '[]', message: 'must be a JSON object' },
    { name: 'no messages', body: { model: 'auto' }, message: "'messages' must be a non-empty array" },
    { name: 'a message without role', body: { messages: [{ content: 'x' }] }, message: 'messages[0].role' },
    {
      name: 'content of the wrong type',
      body: { messages: [{ role: 'user', content: 3 }] },
      message: 'messages[0].content',
    },
    {
      name: 'a non-string model',
      body: { model: 3, messages: [{ role: 'user', content: 'x' }] },
      message: "'model'",
    },
  ])('rejects $name as a bad request', ({ body, message }) => {
    let caught: unknown;
    try {
      parse(body);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(RouterError);
    expect(caught).toMatchObject({
      code: 'bad_request',
      status: 400,
      message: expect.stringContaining(message),
    });
  });
});
