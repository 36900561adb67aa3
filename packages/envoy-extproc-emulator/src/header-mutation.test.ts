import { describe, expect, it } from 'vitest';
import { HeaderMutationError } from './errors.ts';
import { HeaderList } from './header-list.ts';
import {
  applyBodyMutation,
  applyHeaderMutation,
  type HeaderMutationOptions,
  headersToProto,
  isValidHeaderName,
} from './header-mutation.ts';
import type { HeaderMutation, HeaderValueOption } from './wire-types.ts';

const defaults: HeaderMutationOptions = {
  rawValue: true,
  rules: {},
  appendSemantics: 'envoy',
  replacingMessage: false,
  skipContentLength: false,
};

function option(key: string, value: string, extra: Partial<HeaderValueOption> = {}): HeaderValueOption {
  return { header: { key, raw_value: Buffer.from(value) }, ...extra };
}

function run(
  mutation: HeaderMutation,
  options: Partial<HeaderMutationOptions> = {},
  start: Record<string, string> = { 'x-a': '1' },
) {
  const headers = HeaderList.from(start);
  const rejected = applyHeaderMutation(headers, mutation, { ...defaults, ...options });
  return { headers, rejected };
}

describe('applyHeaderMutation: append semantics', () => {
  it('envoy semantics overwrite unless the deprecated append wrapper is true, ignoring append_action', () => {
    const { headers } = run({
      set_headers: [
        option('x-a', '2', { append_action: 'APPEND_IF_EXISTS_OR_ADD' }),
        option('x-b', 'b1', { append_action: 'ADD_IF_ABSENT' }),
        option('x-b', 'b2', { append_action: 'ADD_IF_ABSENT' }),
        option('x-c', 'c1'),
        option('x-c', 'c2', { append: { value: true } }),
      ],
    });
    expect(headers.getAll('x-a')).toEqual(['2']);
    expect(headers.getAll('x-b')).toEqual(['b2']);
    expect(headers.getAll('x-c')).toEqual(['c1', 'c2']);
  });

  it('append-action semantics follow append_action, defaulting to APPEND_IF_EXISTS_OR_ADD', () => {
    const { headers } = run(
      {
        set_headers: [
          option('x-a', '2'),
          option('x-b', 'b1', { append_action: 'ADD_IF_ABSENT' }),
          option('x-b', 'b2', { append_action: 'ADD_IF_ABSENT' }),
          option('x-c', 'c1', { append_action: 'OVERWRITE_IF_EXISTS' }),
          option('x-a', '3', { append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }),
          option('x-d', 'd', { append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }),
          option('x-d', 'd2', { append_action: 'APPEND_IF_EXISTS_OR_ADD', append: { value: false } }),
        ],
      },
      { appendSemantics: 'append-action' },
    );
    expect(headers.getAll('x-a')).toEqual(['3']);
    expect(headers.getAll('x-b')).toEqual(['b1']);
    expect(headers.has('x-c')).toBe(false);
    expect(headers.getAll('x-d')).toEqual(['d2']);
  });
});

describe('applyHeaderMutation: values', () => {
  it('reads raw_value in raw mode and value otherwise', () => {
    const mutation = { set_headers: [{ header: { key: 'x-v', value: 'text' } }] };
    expect(run(mutation).headers.get('x-v')).toBe('');
    expect(run(mutation, { rawValue: false }).headers.get('x-v')).toBe('text');
  });

  it('rejects both value and raw_value, invalid names and invalid values as a whole', () => {
    expect(() =>
      run({ set_headers: [{ header: { key: 'x', value: 'a', raw_value: Buffer.from('a') } }] }),
    ).toThrow(HeaderMutationError);
    expect(() => run({ set_headers: [option('bad name', 'v')] })).toThrow('Invalid character in set_headers');
    expect(() => run({ set_headers: [option('x-v', 'a\r\nb')] })).toThrow(HeaderMutationError);
    expect(() => run({ remove_headers: ['bad\nname'] })).toThrow('Invalid character in remove_headers');
  });

  it('lower-cases names and accepts upper-case input', () => {
    const { headers } = run({ set_headers: [option('X-Selected-Model', 'm')] });
    expect(headers.get('x-selected-model')).toBe('m');
    expect(isValidHeaderName(':path')).toBe(true);
    expect(isValidHeaderName('')).toBe(false);
  });

  it('skips content-length when the body mode makes Envoy drop it', () => {
    const { headers, rejected } = run(
      { set_headers: [option('content-length', '5')] },
      { skipContentLength: true },
    );
    expect(headers.has('content-length')).toBe(false);
    expect(rejected).toHaveLength(1);
  });
});

describe('applyHeaderMutation: rules', () => {
  const start = {
    ':authority': 'a',
    ':method': 'GET',
    ':path': '/',
    host: 'h',
    'x-envoy-x': '1',
    'x-a': '1',
  };

  it('refuses routing and x-envoy headers by default, and never removes : headers or host', () => {
    const { headers, rejected } = run(
      {
        set_headers: [
          option(':authority', 'b'),
          option(':method', 'POST'),
          option('x-envoy-x', '2'),
          option(':path', '/v2'),
        ],
        remove_headers: [':path', 'host', 'x-envoy-x', 'x-a'],
      },
      {},
      start,
    );
    expect(headers.get(':authority')).toBe('a');
    expect(headers.get(':method')).toBe('GET');
    expect(headers.get(':path')).toBe('/v2');
    expect(headers.get('host')).toBe('h');
    expect(headers.get('x-envoy-x')).toBe('1');
    expect(headers.has('x-a')).toBe(false);
    expect(rejected.map((r) => `${r.operation} ${r.header}`).sort()).toEqual([
      'remove :path',
      'remove host',
      'remove x-envoy-x',
      'set :authority',
      'set :method',
      'set x-envoy-x',
    ]);
  });

  it('allows routing headers with allowAllRouting, :method on CONTINUE_AND_REPLACE, and fails with disallowIsError', () => {
    expect(
      run(
        { set_headers: [option(':authority', 'b')] },
        { rules: { allowAllRouting: true } },
        start,
      ).headers.get(':authority'),
    ).toBe('b');
    expect(
      run({ set_headers: [option(':method', 'POST')] }, { replacingMessage: true }, start).headers.get(
        ':method',
      ),
    ).toBe('POST');
    expect(() =>
      run({ set_headers: [option('x-envoy-y', '1')] }, { rules: { disallowIsError: true } }),
    ).toThrow('Invalid attempt to modify x-envoy-y');
  });

  it('checks :status values and refuses appending to : headers', () => {
    const status = { ':status': '200' };
    expect(run({ set_headers: [option(':status', '404')] }, {}, status).headers.get(':status')).toBe('404');
    expect(run({ set_headers: [option(':status', '99')] }, {}, status).headers.get(':status')).toBe('200');
    expect(run({ set_headers: [option(':status', 'abc')] }, {}, status).headers.get(':status')).toBe('200');
    const appended = run(
      { set_headers: [option(':status', '201', { append: { value: true } })] },
      {},
      status,
    );
    expect(appended.headers.getAll(':status')).toEqual(['200']);
  });

  it('honours allow and disallow expressions', () => {
    const rules = { disallowAll: true, allowExpression: /^x-ok/, disallowExpression: /^x-ok-but-not/ };
    const { headers } = run(
      { set_headers: [option('x-ok', '1'), option('x-other', '1'), option('x-ok-but-not', '1')] },
      { rules },
      {},
    );
    expect(headers.entries()).toEqual([['x-ok', '1']]);
  });
});

describe('applyBodyMutation and headersToProto', () => {
  it('replaces, clears, or leaves the body', () => {
    expect(applyBodyMutation({ body: Buffer.from('new') })?.toString()).toBe('new');
    expect(applyBodyMutation({ clear_body: true })?.length).toBe(0);
    expect(applyBodyMutation({})).toBeUndefined();
    expect(applyBodyMutation(undefined)).toBeUndefined();
  });

  it('encodes header maps in raw_value or value', () => {
    const headers = HeaderList.from([
      ['a', '1'],
      ['a', '2'],
    ]);
    expect(headersToProto(headers, true).headers?.map((h) => h.raw_value?.toString())).toEqual(['1', '2']);
    expect(headersToProto(headers, false).headers?.map((h) => h.value)).toEqual(['1', '2']);
  });
});

describe('HeaderList', () => {
  it('keeps order and repeats, set replaces all values, records join repeats', () => {
    const list = HeaderList.from({ 'X-A': ['1', '2'], b: 3 });
    expect(list.entries()).toEqual([
      ['x-a', '1'],
      ['x-a', '2'],
      ['b', '3'],
    ]);
    expect(list.toRecord()).toEqual({ 'x-a': '1,2', b: '3' });
    list.set('x-a', '9');
    expect(list.entries()).toEqual([
      ['x-a', '9'],
      ['b', '3'],
    ]);
    expect(list.remove('B')).toBe(true);
    expect(list.size).toBe(1);
  });
});
