import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENVOY_PROTO_INCLUDE_DIRS } from '../../src/extproc/protos.ts';
import { checkShape, formatProblems, loadProtoRoot, parseDuration } from './proto-shape.ts';

const WIDGET_PROTO = `
syntax = "proto3";
package shape.test;

import "google/protobuf/any.proto";
import "google/protobuf/duration.proto";
import "google/protobuf/struct.proto";
import "google/protobuf/wrappers.proto";
import "validate/validate.proto";

message Widget {
  enum Color {
    COLOR_UNSPECIFIED = 0;
    RED = 1;
    GREEN = 2;
  }
  string name = 1;
  Color color = 2;
  repeated Part parts = 3;
  map<string, Part> parts_by_name = 4;
  google.protobuf.Duration timeout = 5;
  google.protobuf.UInt32Value retries = 6;
  google.protobuf.Struct metadata = 7;
  google.protobuf.Any extension = 8;
  oneof shape {
    double radius = 9;
    Box box = 10;
  }
  int32 legacy_count = 11 [deprecated = true];
  uint32 size = 12 [(validate.rules).uint32 = {lte: 10}];
  int64 big = 13;
}

message Part {
  string id = 1 [(validate.rules).string = {min_len: 1}];
}

message Box {
  double width = 1;
  double height = 2;
}

message Holder {
  oneof choice {
    option (validate.required) = true;
    string text = 1;
    int32 number = 2;
    Box boxed = 4 [(validate.rules).message = {required: true}];
  }
  Box box = 3 [(validate.rules).message = {required: true}];
}
`;

let dir: string;
let root: protobuf.Root;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'proto-shape-'));
  fs.mkdirSync(path.join(dir, 'shape'));
  fs.writeFileSync(path.join(dir, 'shape', 'widget.proto'), WIDGET_PROTO);
  root = loadProtoRoot(['shape/widget.proto'], [dir, ...ENVOY_PROTO_INCLUDE_DIRS]);
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function problemsOf(value: unknown, type = 'shape.test.Widget'): string {
  return formatProblems(checkShape(root, type, value));
}

describe('checkShape on a small test message', () => {
  it('accepts a well-formed document using every kind of field', () => {
    const widget = {
      name: 'w',
      color: 'RED',
      parts: [{ id: 'a' }, { id: 'b' }],
      parts_by_name: { a: { id: 'a' } },
      timeout: '0.25s',
      retries: 3,
      metadata: { anything: { goes: [1, 'two', null, true] } },
      extension: { '@type': 'type.googleapis.com/shape.test.Box', width: 1, height: 2.5 },
      box: { width: 3 },
      size: 10,
      big: '9007199254740993',
    };
    expect(problemsOf(widget)).toBe('');
  });

  it('rejects an unknown field and suggests the snake_case spelling', () => {
    expect(problemsOf({ name: 'w', colour: 'RED' })).toContain('$.colour: unknown field "colour"');
    expect(problemsOf({ partsByName: {} })).toContain('write it in snake_case: "parts_by_name"');
  });

  it('rejects unknown fields nested in lists, maps and Any payloads', () => {
    expect(problemsOf({ parts: [{ id: 'a' }, { idd: 'b' }] })).toContain('$.parts[1].idd: unknown field');
    expect(problemsOf({ parts_by_name: { a: { name: 'x' } } })).toContain(
      '$.parts_by_name.a.name: unknown field',
    );
    expect(problemsOf({ extension: { '@type': 'type.googleapis.com/shape.test.Box', depth: 1 } })).toContain(
      '$.extension.depth: unknown field "depth" in shape.test.Box',
    );
  });

  it('rejects an unknown enum value, by name or by number', () => {
    expect(problemsOf({ color: 'BLUE' })).toContain('"BLUE" is not a value of shape.test.Widget.Color');
    expect(problemsOf({ color: 7 })).toContain('7 is not a value of shape.test.Widget.Color');
    expect(problemsOf({ color: 'GREEN' })).toBe('');
    expect(problemsOf({ color: 1 })).toBe('');
  });

  it('rejects an unknown or missing @type in an Any', () => {
    expect(problemsOf({ extension: { '@type': 'type.googleapis.com/shape.test.Sphere' } })).toContain(
      '$.extension["@type"]: unknown @type "type.googleapis.com/shape.test.Sphere"',
    );
    expect(problemsOf({ extension: { width: 1 } })).toContain('needs an "@type"');
  });

  it('checks well-known types inside an Any under "value"', () => {
    const durationAny = { '@type': 'type.googleapis.com/google.protobuf.Duration', value: '1s' };
    expect(problemsOf({ extension: durationAny })).toBe('');
    expect(problemsOf({ extension: { ...durationAny, value: 1 } })).toContain('expected a duration string');
  });

  it('rejects two members of one oneof', () => {
    expect(problemsOf({ radius: 1, box: { width: 1 } })).toContain(
      'only one of radius, box may be set (oneof shape), found radius, box',
    );
  });

  it('enforces (validate.required) on a oneof and required message fields', () => {
    expect(problemsOf({ box: {} }, 'shape.test.Holder')).toContain('one of text, number, boxed must be set');
    expect(problemsOf({ text: 'x' }, 'shape.test.Holder')).toContain('required field "box"');
    // A required member of a oneof is only required once it is the member that is chosen.
    expect(problemsOf({ text: 'x', box: {} }, 'shape.test.Holder')).toBe('');
    expect(problemsOf({ boxed: {}, box: {} }, 'shape.test.Holder')).toBe('');
  });

  it('checks well-known types in their JSON form', () => {
    expect(problemsOf({ timeout: 5 })).toContain('expected a duration string');
    expect(problemsOf({ timeout: '5m' })).toContain('expected a duration string');
    expect(problemsOf({ retries: '3x' })).toContain('expected an integer (uint32)');
    expect(problemsOf({ retries: { value: 3 } })).toContain('expected an integer (uint32)');
    expect(problemsOf({ metadata: ['not', 'an', 'object'] })).toContain('expected an object (Struct)');
  });

  it('checks scalar types and ranges', () => {
    expect(problemsOf({ name: 5 })).toContain('expected a string');
    expect(problemsOf({ size: -1 })).toContain('out of range for uint32');
    expect(problemsOf({ size: 1.5 })).toContain('expected an integer (uint32)');
    expect(problemsOf({ big: 'twelve' })).toContain('expected an integer (int64)');
    expect(problemsOf({ parts: { id: 'a' } })).toContain('expected a list for repeated field "parts"');
    expect(problemsOf({ name: null })).toContain('null is not a valid value');
  });

  it('applies validate rules, including to defaults of absent scalar fields', () => {
    expect(problemsOf({ size: 11 })).toContain('$.size: must be <= 10');
    expect(problemsOf({ parts: [{ id: '' }] })).toContain('must be at least 1 character(s) long');
    expect(problemsOf({ parts: [{}] })).toContain('$.parts[0].id: field "id" is missing');
  });

  it('refuses deprecated fields unless asked not to', () => {
    expect(problemsOf({ legacy_count: 1 })).toContain(
      'field "legacy_count" of shape.test.Widget is deprecated',
    );
    expect(checkShape(root, 'shape.test.Widget', { legacy_count: 1 }, { allowDeprecated: true })).toEqual([]);
  });

  it('throws for a message type that is not loaded', () => {
    expect(() => checkShape(root, 'shape.test.Nope', {})).toThrow(/not loaded/);
  });
});

describe('checkShape on Envoy protos', () => {
  let envoy: protobuf.Root;
  const socket = (address: Record<string, unknown>) => ({ address: { socket_address: address } });

  beforeAll(() => {
    envoy = loadProtoRoot(
      [
        'envoy/config/listener/v3/listener.proto',
        'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
        'envoy/extensions/filters/http/router/v3/router.proto',
      ],
      ENVOY_PROTO_INCLUDE_DIRS,
    );
  });

  const listener = (httpFilterType: string) => ({
    name: 'l',
    ...socket({ address: '0.0.0.0', port_value: 8080 }),
    filter_chains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: {
              '@type':
                'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
              stat_prefix: 'x',
              route_config: { name: 'r' },
              http_filters: [{ name: 'f', typed_config: { '@type': httpFilterType } }],
            },
          },
        ],
      },
    ],
  });

  it('accepts a small listener with nested typed_config', () => {
    const valid = listener('type.googleapis.com/envoy.extensions.filters.http.router.v3.Router');
    expect(formatProblems(checkShape(envoy, 'envoy.config.listener.v3.Listener', valid))).toBe('');
  });

  it('rejects an @type whose proto is not loaded, deep inside typed_config', () => {
    const invalid = listener('type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua');
    const text = formatProblems(checkShape(envoy, 'envoy.config.listener.v3.Listener', invalid));
    expect(text).toContain(
      '$.filter_chains[0].filters[0].typed_config.http_filters[0].typed_config["@type"]',
    );
    expect(text).toContain('unknown @type');
  });

  it('rejects port_value together with named_port (a real Envoy oneof)', () => {
    const both = socket({ address: '0.0.0.0', port_value: 1, named_port: 'http' });
    const text = formatProblems(checkShape(envoy, 'envoy.config.listener.v3.Listener', both));
    expect(text).toContain('only one of port_value, named_port may be set');
  });

  it('applies Envoy validate rules: an empty socket address and an out-of-range port', () => {
    const text = formatProblems(
      checkShape(envoy, 'envoy.config.listener.v3.Listener', socket({ port_value: 70000 })),
    );
    expect(text).toContain('field "address" is missing');
    expect(text).toContain('must be <= 65535');
  });
});

describe('parseDuration', () => {
  it('parses proto3 JSON durations into nanoseconds', () => {
    expect(parseDuration('1s')).toBe(1_000_000_000n);
    expect(parseDuration('0.25s')).toBe(250_000_000n);
    expect(parseDuration('-1.000000001s')).toBe(-1_000_000_001n);
    expect(parseDuration('1m')).toBeNull();
    expect(parseDuration('1.0000000001s')).toBeNull();
  });
});
