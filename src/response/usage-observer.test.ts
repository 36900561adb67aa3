import { describe, expect, it } from 'vitest';
import type { Usage } from './usage.ts';
import { usageObserver } from './usage-observer.ts';

const JSON_BODY = Buffer.from(
  JSON.stringify({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 } }),
);
const SSE_BODY = Buffer.from(
  'data: {"choices":[{"delta":{"content":"hi"}}]}\n\ndata: {"choices":[],"usage":{"prompt_tokens":2,"completion_tokens":4}}\n\ndata: [DONE]\n\n',
);

function watch(status: number, streamed: boolean, body: Buffer, complete: boolean) {
  const calls: { usage: Usage | undefined; elapsedMs: number }[] = [];
  const observer = usageObserver((usage, elapsedMs) => calls.push({ usage, elapsedMs }));
  observer.started?.({ status, headers: new Map(), streamed, elapsedMs: 1 });
  observer.body?.(body.subarray(0, 10));
  observer.body?.(body.subarray(10));
  observer.ended?.({ complete, elapsedMs: 42 });
  return calls;
}

describe('the usage observer', () => {
  it('reports the usage of a complete 2xx response, buffered or streamed, with its duration', () => {
    expect(watch(200, false, JSON_BODY, true)).toEqual([
      { usage: { promptTokens: 3, completionTokens: 5 }, elapsedMs: 42 },
    ]);
    expect(watch(200, true, SSE_BODY, true)).toEqual([
      { usage: { promptTokens: 2, completionTokens: 4 }, elapsedMs: 42 },
    ]);
    expect(watch(200, false, Buffer.from('{"choices":[]}'), true)).toEqual([
      { usage: undefined, elapsedMs: 42 },
    ]);
  });

  it('reports nothing for an error or a cut response', () => {
    expect(watch(500, false, JSON_BODY, true)).toEqual([]);
    expect(watch(200, false, JSON_BODY, false)).toEqual([]);
  });
});
