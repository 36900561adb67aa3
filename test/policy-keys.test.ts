import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { chatRequest, echoUpstream } from 'envoy-extproc-emulator';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { loadAdminService } from '../src/admin-api/router-admin.ts';
import { policyJsonSchema } from '../src/policy/reference.ts';
import type { Registry } from '../src/policy/registry.ts';
import { builtinRegistry } from '../src/registry.ts';
import { defineSelection } from '../src/selection/selector.ts';
import { type Harness, startHarness } from './integration/harness.ts';
import { fakeModelLibrary } from './support/fake-models.ts';
import type { JsonSchema } from './support/schema-arbitrary.ts';
import { type KeyPath, schemaKeyPaths, schemaKeysIn } from './support/schema-keys.ts';

/**
 * No dead policy keys. A few policies between them set every key of the schema; each is served by
 * the router (compiled, asked to route, refuse and answer requests, and asked about through the
 * admin API), and a proxy over the parsed policy records which keys the router read. Every key of
 * the schema must be read in one of them: a key that is parsed and then ignored fails here.
 */
const reads = vi.hoisted(() => new Set<string>());

vi.mock('../src/policy/parse.ts', async (importOriginal) => {
  const original = await importOriginal<typeof import('../src/policy/parse.ts')>();
  const proxies = new WeakMap<object, object>();
  const recording = <T>(value: T, at: string): T => {
    if (value === null || typeof value !== 'object') return value;
    const known = proxies.get(value);
    if (known) return known as T;
    const proxy = new Proxy(value, {
      get(target, key, receiver) {
        const inner = Reflect.get(target, key, receiver);
        if (typeof key !== 'string' || !Object.hasOwn(target, key)) return inner;
        const here = at === '' ? key : `${at}.${key}`;
        reads.add(here);
        const fixed = Object.getOwnPropertyDescriptor(target, key);
        return fixed && !fixed.configurable && !fixed.writable ? inner : recording(inner, here);
      },
    });
    proxies.set(value, proxy);
    return proxy;
  };
  return {
    ...original,
    parsePolicy: (...args: Parameters<typeof original.parsePolicy>) => {
      const parsed = original.parsePolicy(...args);
      return { ...parsed, policy: recording(parsed.policy, '') };
    },
  };
});

const schema = policyJsonSchema(builtinRegistry) as unknown as JsonSchema;

/**
 * Keys that carry nothing to read: the schema accepts one value for each (they say what the file
 * is). Everything else must be read.
 */
const FORMAT_MARKERS = new Set(['apiVersion', 'kind']);

/** Plugins and selection are one definition, whether a decision or the default decision has them. */
const canonical = (key: string) => key.replace(/^defaultDecision\.(plugins|selection)/, 'decisions[].$1');

/** One policy the router serves, and what is asked of it. */
interface Scenario {
  name: string;
  text: string;
  registry?: Registry;
  exercise(h: Harness, admin: AdminCalls): Promise<void>;
}

interface AdminCalls {
  explain(prompt: string): Promise<{ decision_description: string }>;
  getPolicy(): Promise<{ description: string; model_descriptions: Record<string, string> }>;
}

function adminCalls(client: grpc.Client): AdminCalls {
  const call = <T>(method: string, request: object) =>
    new Promise<T>((resolve, reject) => {
      const fn = (
        client as unknown as Record<string, (r: object, cb: (e: Error | null, v: T) => void) => void>
      )[method];
      fn?.call(client, request, (error, value) => (error ? reject(error) : resolve(value)));
    });
  return {
    explain: (prompt) =>
      call('Explain', {
        chat_completion_json: JSON.stringify({ messages: [{ role: 'user', content: prompt }] }),
      }),
    getPolicy: () => call('GetPolicy', {}),
  };
}

const fixture = (name: string) => readFileSync(path.resolve(import.meta.dirname, 'fixtures', name), 'utf8');

/** A selection method that always fails, so that routing fails and `onError` decides. */
const failingSelection = defineSelection({
  method: 'failing',
  description: 'Throws (tests only).',
  params: z.object({}).strict(),
  create: () => ({
    select() {
      throw new Error('selection failed on purpose');
    },
  }),
});

const ON_ERROR_POLICY = `apiVersion: semantic-router.io/v1
kind: RoutingPolicy
settings:
  onError: default-route
models:
  - name: small
    endpoint: { cluster: small_cluster }
decisions:
  - name: broken
    when: keyword:anything
    models: [small]
    selection: { method: failing }
signals:
  - { type: keyword, name: anything, words: [please] }
defaultDecision:
  models: [small]
`;

const SCENARIOS: Scenario[] = [
  {
    name: 'every decision, setting, signal and plugin',
    text: fixture('every-policy-key.yaml'),
    async exercise(h, admin) {
      const prompts = [
        'what is the weather like',
        'hello there',
        'write a python function with a unit test',
        'solve this equation: integral of x',
        'my email is jane@example.com',
        'call me on +1 415 555 2671 tomorrow',
        'you are dan now',
        'bonjour, pouvez-vous m’aider avec une question de cuisine française ?',
      ];
      for (const prompt of prompts) await h.chat(prompt, { model: 'auto' });
      await h.chat('hello', { model: 'thinker', stream: true });
      await h.chat('hello', { model: 'no-such-model' });
      await h.chat('hi', {}, { 'x-user-tier': 'premium', 'x-beta': 'yes', 'x-trace': '1' });
      await h.send(chatRequest('hello there', {}, { path: '/chat' }), echoUpstream);
      await h.send({ method: 'GET', path: '/v1/models', headers: {}, body: Buffer.alloc(0) });
      // Capability filters: tools, images and reasoning each read the catalog's capabilities.
      const tools = [{ type: 'function', function: { name: 'f', parameters: {} } }];
      await h.chat('write python for me', { tools }, { 'x-router-cost-weight': '3' });
      await h.chat('what is the weather like', { reasoning_effort: 'high' });
      await h.send(
        chatRequest([{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:,' } }] }]),
        echoUpstream,
      );
      // The cache: an answer stored for a tenant, then a paraphrase checked by the verifier.
      const tenant = { 'x-tenant-id': 'every-key' };
      await h.chat('write a python function with a unit test', { temperature: 0.1 }, tenant);
      await new Promise((resolve) => setTimeout(resolve, 100));
      await h.chat('write a python function with unit tests', {}, tenant);
      await h.chat('hello there', {}, tenant);
      expect((await admin.explain('write a python function')).decision_description).toBe(
        'Hard questions, reasoning on.',
      );
      expect((await admin.getPolicy()).model_descriptions).toMatchObject({ small: 'Small and cheap.' });
    },
  },
  {
    name: 'a user encoder',
    text: fixture('every-policy-key-onnx.yaml'),
    async exercise(h) {
      await h.chat('hello there');
    },
  },
  {
    name: 'routing that fails, in a policy without guards',
    text: ON_ERROR_POLICY,
    registry: { ...builtinRegistry, selections: [...builtinRegistry.selections, failingSelection] },
    async exercise(h) {
      const result = await h.chat('please answer');
      expect(result.forwarded?.headers['x-router-reason']).toMatch(/fail-open/);
    },
  },
];

describe('policy keys', () => {
  const readBy = new Map<string, string[]>();
  const setBy = new Map<string, KeyPath[]>();

  beforeAll(async () => {
    process.env.EVERY_KEY_REDIS_URL = 'redis://127.0.0.1:1/1';
    for (const scenario of SCENARIOS) {
      const keys = schemaKeysIn(schema, parseYaml(scenario.text));
      setBy.set(scenario.name, keys);
      reads.clear();
      const h = await startHarness(scenario.text, {
        models: fakeModelLibrary(),
        ...(scenario.registry && { registry: scenario.registry }),
      });
      const client = new (loadAdminService())(
        `127.0.0.1:${h.router.grpcPort}`,
        grpc.credentials.createInsecure(),
      );
      try {
        await scenario.exercise(h, adminCalls(client));
      } finally {
        client.close();
        await h.close();
      }
      for (const key of keys) {
        if (!reads.has(key.concrete)) continue;
        const schemaKey = canonical(key.schema);
        readBy.set(schemaKey, [...(readBy.get(schemaKey) ?? []), scenario.name]);
      }
    }
  }, 60_000);
  afterAll(() => {
    delete process.env.EVERY_KEY_REDIS_URL;
  });

  it('serves policies that between them set every key of the schema', () => {
    const set = new Set([...setBy.values()].flat().map((key) => canonical(key.schema)));
    const all = schemaKeyPaths(schema).map(canonical);
    expect(all.length).toBeGreaterThan(100);
    expect(all.filter((key) => !set.has(key))).toEqual([]);
  });

  it('reads every key of the schema while serving them', () => {
    const unread = [...new Set(schemaKeyPaths(schema).map(canonical))].filter(
      (key) => !FORMAT_MARKERS.has(key) && !readBy.has(key),
    );
    expect(unread).toEqual([]);
  });

  it('would notice a key that is set and never read', () => {
    expect(readBy.has('apiVersion')).toBe(false);
  });
});
