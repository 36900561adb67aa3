import { describe, expect, it } from 'vitest';
import { SseUsageScanner, usageFromJson } from './usage.ts';

describe('usage', () => {
  it('reads usage from a JSON completion and ignores bodies without it', () => {
    expect(usageFromJson(Buffer.from('{"usage":{"prompt_tokens":3,"completion_tokens":5}}'))).toEqual({
      promptTokens: 3,
      completionTokens: 5,
    });
    expect(usageFromJson(Buffer.from('not json "usage"'))).toBeUndefined();
    expect(usageFromJson(Buffer.from('{"id":1}'))).toBeUndefined();
    // "usage" inside the answer text is not the usage object; braces in strings do not confuse it.
    const body = {
      choices: [{ message: { content: 'the "usage": {of} words' } }],
      usage: { prompt_tokens: 12, completion_tokens: 34, prompt_tokens_details: { cached_tokens: 0 } },
    };
    expect(usageFromJson(Buffer.from(JSON.stringify(body)))).toEqual({
      promptTokens: 12,
      completionTokens: 34,
    });
    expect(usageFromJson(Buffer.from('{"usage": {"prompt_tokens": 1, '))).toBeUndefined();
  });

  it('finds usage in an event stream even when an event is split across chunks', () => {
    const scanner = new SseUsageScanner();
    const stream =
      'data: {"choices":[{"delta":{"content":"hi"}}]}\n\ndata: {"choices":[],"usage":{"prompt_tokens":7,"completion_tokens":2}}\n\ndata: [DONE]\n\n';
    const cut = stream.indexOf('prompt_tokens');
    scanner.push(Buffer.from(stream.slice(0, cut)));
    expect(scanner.usage).toBeUndefined();
    scanner.push(Buffer.from(stream.slice(cut)));
    expect(scanner.usage).toEqual({ promptTokens: 7, completionTokens: 2 });
  });
});
