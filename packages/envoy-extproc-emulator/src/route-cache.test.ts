import { describe, expect, it } from 'vitest';
import { routeCacheDecision } from './route-cache.ts';

const mutation = { set_headers: [{ header: { key: 'x-selected-model', raw_value: Buffer.from('m') } }] };

describe('routeCacheDecision', () => {
  it('clears on request when asked together with a header mutation, before routing', () => {
    expect(
      routeCacheDecision(
        'request_headers',
        { header_mutation: mutation, clear_route_cache: true },
        'DEFAULT',
        false,
      ),
    ).toEqual({
      phase: 'request_headers',
      requested: true,
      cleared: true,
      beforeRouting: true,
    });
  });

  it('notes a clear after the headers were released as too late for this request', () => {
    const event = routeCacheDecision(
      'request_body',
      { header_mutation: mutation, clear_route_cache: true },
      'DEFAULT',
      true,
    );
    expect(event).toMatchObject({ cleared: true, beforeRouting: false });
  });

  it('follows route_cache_action CLEAR and RETAIN', () => {
    expect(
      routeCacheDecision('request_headers', { header_mutation: mutation }, 'CLEAR', false),
    ).toMatchObject({
      requested: false,
      cleared: true,
    });
    expect(
      routeCacheDecision(
        'request_headers',
        { header_mutation: mutation, clear_route_cache: true },
        'RETAIN',
        false,
      ),
    ).toMatchObject({
      cleared: false,
      reason: 'route_cache_action is RETAIN',
    });
    expect(
      routeCacheDecision('request_headers', { header_mutation: mutation }, 'DEFAULT', false),
    ).toBeUndefined();
  });

  it('ignores it in the response direction and without a header mutation', () => {
    expect(
      routeCacheDecision(
        'response_headers',
        { header_mutation: mutation, clear_route_cache: true },
        'CLEAR',
        false,
      ),
    ).toMatchObject({
      cleared: false,
    });
    expect(
      routeCacheDecision('request_headers', { clear_route_cache: true }, 'DEFAULT', false),
    ).toMatchObject({ cleared: false });
  });
});
