import { describe, expect, it } from 'vitest';
import { chatBody, chatRequest, echoUpstream } from './chat.ts';
import { continueAnswer, phaseOf } from './fake-processor.ts';
import { setup } from './fake-processor-setup.ts';

/** How the emulator applies a processor's header and body mutations, in both directions, as Envoy does. */

function raw(value: string) {
  return { raw_value: Buffer.from(value) };
}

describe('mutations', () => {
  it('applies request header mutations, remembers clear_route_cache, and forwards the result', async () => {
    const { emulator } = await setup((request) => {
      if (phaseOf(request) !== 'request_headers') return undefined;
      return continueAnswer('request_headers', {
        header_mutation: {
          set_headers: [{ header: { key: 'x-selected-model', ...raw('qwen-7b') } }],
          remove_headers: ['x-drop-me'],
        },
        clear_route_cache: true,
      });
    });
    const request = chatRequest('hi', {}, { headers: { 'x-drop-me': '1' } });
    const result = await emulator.exchange(request, echoUpstream);

    expect(result.forwarded?.headers['x-selected-model']).toBe('qwen-7b');
    expect(result.forwarded?.headers['x-drop-me']).toBeUndefined();
    expect(result.forwarded?.originalHeaders['x-drop-me']).toBe('1');
    expect(result.forwarded?.routeCacheCleared).toBe(true);
    expect(result.routeCache.cleared).toBe(true);
    expect(result.routeCache.events).toEqual([
      { phase: 'request_headers', requested: true, cleared: true, beforeRouting: true },
    ]);
    expect(JSON.parse(result.response.body.toString()).echo.selectedModel).toBe('qwen-7b');
  });

  it('ignores clear_route_cache without a header mutation, and in the response direction', async () => {
    const { emulator } = await setup((request) => {
      const phase = phaseOf(request);
      if (phase === 'request_headers' || phase === 'response_headers') {
        return continueAnswer(phase, { clear_route_cache: true });
      }
      return undefined;
    });
    const result = await emulator.exchange(chatRequest('hi'), echoUpstream);
    expect(result.forwarded?.routeCacheCleared).toBe(false);
    expect(result.routeCache.events.map((e) => [e.phase, e.cleared, e.reason])).toEqual([
      ['request_headers', false, 'ignored without a header mutation in the same answer'],
      ['response_headers', false, 'ignored in the response direction'],
    ]);
  });

  it('replaces the request body and requires a matching content-length in the same answer', async () => {
    const rewritten = chatBody('hi', { model: 'qwen-7b' });
    const { emulator } = await setup((request) => {
      if (phaseOf(request) !== 'request_body') return undefined;
      return continueAnswer('request_body', {
        header_mutation: {
          set_headers: [{ header: { key: 'content-length', ...raw(String(Buffer.byteLength(rewritten))) } }],
        },
        body_mutation: { body: Buffer.from(rewritten) },
      });
    });
    const result = await emulator.exchange(chatRequest('hi'), echoUpstream);
    expect(result.outcome).toBe('completed');
    expect(result.forwarded?.body.toString()).toBe(rewritten);
    expect(result.forwarded?.headers['content-length']).toBe(String(Buffer.byteLength(rewritten)));
    expect(JSON.parse(result.response.body.toString()).model).toBe('qwen-7b');
  });

  it('fails with a local 500 when the mutated body does not match content-length', async () => {
    const { emulator } = await setup((request) => {
      if (phaseOf(request) !== 'request_body') return undefined;
      return continueAnswer('request_body', { body_mutation: { body: Buffer.from('{"model":"x"}') } });
    });
    let called = false;
    const result = await emulator.exchange(chatRequest('hi'), () => {
      called = true;
      return { status: 200 };
    });
    expect(called).toBe(false);
    expect(result.outcome).toBe('local_reply');
    expect(result.response.status).toBe(500);
    expect(result.localReply).toEqual({
      phase: 'request_body',
      status: 500,
      details: 'mismatch between content length and the length of the mutated body',
    });
  });

  it('accepts a body mutation when the processor removes content-length', async () => {
    const { emulator } = await setup((request) => {
      if (phaseOf(request) !== 'request_body') return undefined;
      return continueAnswer('request_body', {
        header_mutation: { remove_headers: ['content-length'] },
        body_mutation: { body: Buffer.from('{"model":"x"}') },
      });
    });
    const result = await emulator.exchange(chatRequest('hi'), echoUpstream);
    expect(result.outcome).toBe('completed');
    expect(result.forwarded?.headers['content-length']).toBeUndefined();
    expect(result.forwarded?.body.toString()).toBe('{"model":"x"}');
  });

  it('clear_body empties the body', async () => {
    const { emulator } = await setup((request) => {
      if (phaseOf(request) !== 'request_body') return undefined;
      return continueAnswer('request_body', {
        header_mutation: { remove_headers: ['content-length'] },
        body_mutation: { clear_body: true },
      });
    });
    const result = await emulator.exchange(chatRequest('hi'), echoUpstream);
    expect(result.forwarded?.body.length).toBe(0);
  });

  it('reads mutations from raw_value by default: a value-only header becomes empty, as in Envoy', async () => {
    const { emulator } = await setup((request) => {
      if (phaseOf(request) !== 'request_headers') return undefined;
      return continueAnswer('request_headers', {
        header_mutation: {
          set_headers: [
            { header: { key: 'x-by-value', value: 'v' } },
            { header: { key: 'x-by-raw', ...raw('r') } },
          ],
        },
      });
    });
    const result = await emulator.exchange({ path: '/' }, echoUpstream);
    expect(result.forwarded?.headers['x-by-value']).toBe('');
    expect(result.forwarded?.headers['x-by-raw']).toBe('r');
  });

  it('reads mutations from value when sendRawValue is false', async () => {
    const { emulator } = await setup(
      (request) => {
        if (phaseOf(request) !== 'request_headers') return undefined;
        return continueAnswer('request_headers', {
          header_mutation: { set_headers: [{ header: { key: 'x-by-value', value: 'v' } }] },
        });
      },
      { sendRawValue: false },
    );
    const result = await emulator.exchange({ path: '/' }, echoUpstream);
    expect(result.forwarded?.headers['x-by-value']).toBe('v');
  });

  it('fails with a local 500 when both value and raw_value are set', async () => {
    const { emulator } = await setup((request) => {
      if (phaseOf(request) !== 'request_headers') return undefined;
      return continueAnswer('request_headers', {
        header_mutation: {
          set_headers: [{ header: { key: 'x-both', value: 'a', raw_value: Buffer.from('a') } }],
        },
      });
    });
    const result = await emulator.exchange({ path: '/' }, echoUpstream);
    expect(result.outcome).toBe('local_reply');
    expect(result.response.status).toBe(500);
    expect(result.localReply?.details).toMatch(/Only one of value or raw_value/);
    expect(result.upstreamCalled).toBe(false);
  });

  it('skips disallowed headers (:authority, x-envoy-*) and records them', async () => {
    const { emulator } = await setup((request) => {
      if (phaseOf(request) !== 'request_headers') return undefined;
      return continueAnswer('request_headers', {
        header_mutation: {
          set_headers: [
            { header: { key: ':authority', ...raw('elsewhere') } },
            { header: { key: 'x-envoy-foo', ...raw('1') } },
            { header: { key: ':path', ...raw('/v2/chat') } },
          ],
          remove_headers: [':method'],
        },
      });
    });
    const result = await emulator.exchange({ path: '/' }, echoUpstream);
    expect(result.forwarded?.authority).toBe('localhost');
    expect(result.forwarded?.method).toBe('GET');
    expect(result.forwarded?.path).toBe('/v2/chat');
    expect(result.forwarded?.headers['x-envoy-foo']).toBeUndefined();
    expect(result.rejectedMutations.map((r) => r.header).sort()).toEqual([
      ':authority',
      ':method',
      'x-envoy-foo',
    ]);
  });

  it('applies response header and body mutations', async () => {
    const { emulator } = await setup((request) => {
      const phase = phaseOf(request);
      if (phase === 'response_headers') {
        return continueAnswer(phase, {
          header_mutation: {
            set_headers: [
              { header: { key: 'x-router-model', ...raw('qwen-7b') } },
              { header: { key: ':status', ...raw('201') } },
            ],
          },
        });
      }
      if (phase === 'response_body') {
        return continueAnswer(phase, {
          header_mutation: { set_headers: [{ header: { key: 'content-length', ...raw('7') } }] },
          body_mutation: { body: Buffer.from('changed') },
        });
      }
      return undefined;
    });
    const result = await emulator.exchange(chatRequest('hi'), echoUpstream);
    expect(result.response.status).toBe(201);
    expect(result.response.headers['x-router-model']).toBe('qwen-7b');
    expect(result.response.headers['content-length']).toBe('7');
    expect(result.response.body.toString()).toBe('changed');
  });

  it('CONTINUE_AND_REPLACE on request headers replaces the body and stops further request messages', async () => {
    const { emulator } = await setup((request) => {
      if (phaseOf(request) !== 'request_headers') return undefined;
      return continueAnswer('request_headers', {
        status: 'CONTINUE_AND_REPLACE',
        header_mutation: { set_headers: [{ header: { key: ':method', ...raw('POST') } }] },
        body_mutation: { body: Buffer.from('{"replaced":true}') },
      });
    });
    const result = await emulator.exchange({ path: '/v1/x', method: 'GET' }, echoUpstream);
    expect(result.sent).toEqual(['request_headers', 'response_headers', 'response_body']);
    expect(result.forwarded?.method).toBe('POST');
    expect(result.forwarded?.body.toString()).toBe('{"replaced":true}');
    expect(result.finalModes.request.bodyMode).toBe('NONE');
  });
});
