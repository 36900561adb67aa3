import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { sseUpstream } from 'envoy-extproc-emulator';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ProcessingRequest, ProcessingResponse } from '../../src/extproc/messages.ts';
import { loadExtProcService } from '../../src/extproc/protos.ts';
import { definePlugin } from '../../src/plugins/plugin.ts';
import type { Registry } from '../../src/policy/registry.ts';
import { builtinRegistry } from '../../src/registry.ts';
import { defineSignal } from '../../src/signals/signal.ts';
import { chatRequest, expectImmediate, expectRouteTo, type Harness, startHarness } from './harness.ts';
import { TEST_POLICY } from './policy.ts';

/** Test-only types: a model-like signal that fails or hangs on request, and plugins that throw or corrupt the plan. */
const flakySignal = defineSignal({
  type: 'flaky',
  description: 'Throws on "explode", never answers on "hang", matches on "flaky".',
  waitsOnModel: true,
  params: z.object({}).strict(),
  create: () => ({
    evaluate(request) {
      const text = request.text('last-user');
      if (text.includes('explode')) throw new Error('boom');
      if (text.includes('hang')) return new Promise(() => {});
      return { matched: text.includes('flaky'), confidence: 1 };
    },
  }),
});
const brokenPlugin = definePlugin({
  type: 'broken',
  description: 'Always throws.',
  params: z.object({}).strict(),
  create: () => ({
    apply() {
      throw new Error('plugin bug');
    },
  }),
});
const corruptPlugin = definePlugin({
  type: 'corrupt',
  description: 'Leaves a plan that cannot be written as JSON, so writing the routed body fails.',
  params: z.object({}).strict(),
  create: () => ({
    apply(plan) {
      plan.systemPrompt = { text: 1n as unknown as string, mode: 'replace' };
    },
  }),
});
const registry: Registry = {
  ...builtinRegistry,
  signals: [...builtinRegistry.signals, flakySignal],
  plugins: [...builtinRegistry.plugins, brokenPlugin, corruptPlugin],
};

const FLAKY_POLICY = TEST_POLICY.replace('settings:\n', 'settings:\n  signalTimeoutMs: 30\n')
  .replace(
    'signals:\n',
    'signals:\n  - { type: flaky, name: f }\n  - { type: keyword, name: trigger-bug, words: [bugged] }\n  - { type: keyword, name: trigger-corrupt, words: [corrupted] }\n',
  )
  .replace(
    'decisions:\n',
    [
      'decisions:',
      '  - { name: flaky, priority: 50, when: flaky:f, models: [large] }',
      '  - { name: bugged, priority: 60, when: keyword:trigger-bug, models: [large], plugins: [{ type: broken }] }',
      '  - { name: corrupted, priority: 70, when: keyword:trigger-corrupt, models: [large], plugins: [{ type: corrupt }] }',
      '',
    ].join('\n'),
  );

/** The same, with a guard that reads the flaky signal: attacks it flags are refused. */
const GUARDED_POLICY = FLAKY_POLICY.replace(
  '  - { name: flaky, priority: 50, when: flaky:f, models: [large] }',
  '  - { name: flaky-guard, priority: 200, when: flaky:f, models: [small], plugins: [{ type: reject, message: flagged }] }',
);

let h: Harness;
beforeAll(async () => {
  h = await startHarness(FLAKY_POLICY, { registry });
});
afterAll(() => h.close());

describe('when parts of the router fail', () => {
  it('a signal that throws does not match, the request is routed, and it is counted', async () => {
    const before = await h.metric('semantic_router_degradations_total', { kind: 'signal_error' });
    expectRouteTo(await h.chat('explode please'), 'small', { decision: 'default' });
    expect(await h.metric('semantic_router_degradations_total', { kind: 'signal_error' })).toBe(before + 1);
    expectRouteTo(await h.chat('a flaky one'), 'large', {
      decision: 'flaky',
      bodyModel: 'large-served-name',
    });
  });

  it('a model signal that hangs times out, the request is routed, and it is counted', async () => {
    const before = await h.metric('semantic_router_degradations_total', { kind: 'signal_timeout' });
    const result = await h.chat('hang forever');
    expectRouteTo(result, 'small', { decision: 'default' });
    expect(await h.metric('semantic_router_degradations_total', { kind: 'signal_timeout' })).toBe(before + 1);
  });

  it('a plugin that fails is skipped and counted; its decision still routes', async () => {
    const before = await h.metric('semantic_router_degradations_total', { kind: 'plugin_error' });
    const result = await h.chat('bugged request');
    expectRouteTo(result, 'large', { decision: 'bugged', bodyModel: 'large-served-name' });
    expect(result.forwarded?.headers['x-router-reason']).toContain('broken plugin skipped (failed)');
    expect(await h.metric('semantic_router_degradations_total', { kind: 'plugin_error' })).toBe(before + 1);
  });

  it('an internal failure in a policy with guards refuses the request, counted once', async () => {
    const before = await h.metric('semantic_router_errors_total', { kind: 'internal' });
    const error = expectImmediate(await h.chat('corrupted request'), 503, 'guard_unavailable');
    expect(error.message).toContain('the routed request could not be written');
    expect(await h.metric('semantic_router_errors_total', { kind: 'internal' })).toBe(before + 1);
  });

  it('with onGuardFailure: continue, an internal failure fails open to the default model and is counted', async () => {
    const open = await startHarness(
      FLAKY_POLICY.replace('settings:\n', 'settings:\n  onGuardFailure: continue\n'),
      {
        registry,
      },
    );
    try {
      const result = await open.chat('corrupted request');
      expectRouteTo(result, 'small', { decision: 'default' });
      expect(result.forwarded?.headers['x-router-reason']).toBe(
        'fail-open: the routed request could not be written',
      );
      expect(await open.metric('semantic_router_degradations_total', { kind: 'fail_open' })).toBe(1);
      expect(await open.metric('semantic_router_errors_total', { kind: 'internal' })).toBe(1);
    } finally {
      await open.close();
    }
  });

  it('with onGuardFailure: continue and onError: reject, an internal failure answers 503', async () => {
    const closed = await startHarness(
      FLAKY_POLICY.replace('settings:\n', 'settings:\n  onGuardFailure: continue\n  onError: reject\n'),
      { registry },
    );
    try {
      expectImmediate(await closed.chat('corrupted request'), 503, 'unavailable');
      // One failure, counted once (it used to be counted twice: as routing failed and as answered).
      expect(await closed.metric('semantic_router_errors_total', { kind: 'internal' })).toBe(1);
    } finally {
      await closed.close();
    }
  });

  it('a guard whose signal failed refuses the request instead of letting it past', async () => {
    const guarded = await startHarness(GUARDED_POLICY, { registry });
    try {
      expectImmediate(await guarded.chat('flaky attack'), 403, 'request_rejected');
      for (const prompt of ['explode this', 'hang on']) {
        const result = await guarded.chat(prompt);
        const error = expectImmediate(result, 503, 'guard_unavailable');
        expect(error.message).toContain("the check 'flaky-guard'");
        expect(result.response.headers['x-router-decision']).toBe('flaky-guard');
        expect(result.response.headers['x-router-reason']).toContain('flaky:f failed');
      }
      expectRouteTo(await guarded.chat('a quiet one'), 'small', { decision: 'default' });
    } finally {
      await guarded.close();
    }
  });

  it('with onGuardFailure: continue, a guard whose signal failed is skipped and counted', async () => {
    const open = await startHarness(
      GUARDED_POLICY.replace('settings:\n', 'settings:\n  onGuardFailure: continue\n'),
      {
        registry,
      },
    );
    try {
      const result = await open.chat('explode this');
      expectRouteTo(result, 'small', { decision: 'default' });
      expect(result.forwarded?.headers['x-router-reason']).toContain('guard flaky-guard skipped');
      expect(await open.metric('semantic_router_degradations_total', { kind: 'guard_skipped' })).toBe(1);
    } finally {
      await open.close();
    }
  });
});

describe('under load and cancellation', () => {
  it('serves 500 concurrent streams and loses none', async () => {
    const prompts = Array.from({ length: 500 }, (_, i) =>
      i % 2 === 0 ? `python task ${i}` : `plain question ${i}`,
    );
    const results = await Promise.all(prompts.map((prompt) => h.chat(prompt)));
    results.forEach((result, i) => {
      expect(result.outcome).toBe('completed');
      expect(result.forwarded?.headers['x-selected-model']).toBe(i % 2 === 0 ? 'large' : 'small');
      expect(JSON.parse(result.forwarded?.body.toString() ?? '{}').messages.at(-1).content).toBe(prompts[i]);
    });
    expect(new Set(results.map((r) => r.forwarded?.headers['x-request-id'])).size).toBe(500);
  });

  it('cleans up a stream the client cancels mid-response, and keeps serving', async () => {
    const controller = new AbortController();
    const slow = sseUpstream(['data: {"choices":[]}', 'data: {"choices":[]}', 'data: {"choices":[]}'], {
      delayMs: 200,
    });
    const exchange = h.send(chatRequest('python', { stream: true }), slow, {
      signal: controller.signal,
      onResponseChunk: () => controller.abort(),
    });
    await expect(exchange).rejects.toThrow();
    const deadline = Date.now() + 2000;
    while ((await h.metric('semantic_router_active_streams')) !== 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await h.metric('semantic_router_active_streams')).toBe(0);
    expect(await h.metric('semantic_router_errors_total', { kind: 'cancelled' })).toBeGreaterThanOrEqual(1);
    expectRouteTo(await h.chat('python again'), 'large', { bodyModel: 'large-served-name' });
  });

  it('a burst of 3000 cancelled streams on one connection does not fail an exchange in flight on it', async () => {
    // nghttp2 closes a connection whose peer resets more than 1000 streams in a burst (Envoy resets
    // the stream of every cancelled request); the router lifts that limit where Node allows it and
    // retires the connection gracefully where not.
    const client = new (loadExtProcService())(
      `127.0.0.1:${h.router.grpcPort}`,
      grpc.credentials.createInsecure(),
    ) as unknown as {
      Process(): grpc.ClientDuplexStream<ProcessingRequest, ProcessingResponse>;
      close(): void;
    };
    const headers = {
      request_headers: {
        headers: {
          headers: [
            { key: ':method', raw_value: Buffer.from('POST') },
            { key: ':path', raw_value: Buffer.from('/v1/chat/completions') },
          ],
        },
      },
    };
    const answered = (call: grpc.ClientDuplexStream<ProcessingRequest, ProcessingResponse>) =>
      new Promise<ProcessingResponse>((resolve, reject) => {
        call.once('data', resolve);
        call.once('error', reject);
      });
    try {
      const inFlight = client.Process();
      inFlight.write(headers);
      await answered(inFlight);
      for (let batch = 0; batch < 30; batch++) {
        await Promise.all(
          Array.from({ length: 100 }, async () => {
            const call = client.Process();
            call.on('error', () => {});
            call.write(headers);
            await answered(call);
            call.cancel();
          }),
        );
      }
      const body = Buffer.from(
        JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'python' }] }),
      );
      inFlight.write({ request_body: { body, end_of_stream: true } });
      const answer = await answered(inFlight);
      expect(answer.request_body?.response?.header_mutation?.set_headers?.[0]?.header?.key).toBe(
        'x-router-cluster',
      );
      inFlight.end();
    } finally {
      client.close();
    }
  });
});

describe('health and admin endpoints', () => {
  it('answers gRPC health checks on the ext_proc port', async () => {
    const definition = protoLoader.loadSync(healthProtoPath, { enums: String });
    const Health = (
      grpc.loadPackageDefinition(definition) as unknown as {
        grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } };
      }
    ).grpc.health.v1.Health;
    const client = new Health(`127.0.0.1:${h.router.grpcPort}`, grpc.credentials.createInsecure());
    const check = (service: string) =>
      new Promise<unknown>((resolve, reject) =>
        (
          client as unknown as { Check: (r: object, cb: (e: Error | null, v: unknown) => void) => void }
        ).Check({ service }, (error, value) => (error ? reject(error) : resolve(value))),
      );
    expect(await check('')).toEqual({ status: 'SERVING' });
    expect(await check('envoy.service.ext_proc.v3.ExternalProcessor')).toEqual({ status: 'SERVING' });
    client.close();
  });

  it('serves /healthz, /readyz and Prometheus /metrics, and 404 elsewhere', async () => {
    expect((await fetch(`${h.adminUrl}/healthz`)).status).toBe(200);
    const ready = await fetch(`${h.adminUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', policy: { name: 'integration' } });
    const metrics = await (await fetch(`${h.adminUrl}/metrics`)).text();
    for (const name of [
      'semantic_router_requests_total',
      'semantic_router_stage_duration_seconds_bucket',
      'semantic_router_signal_duration_seconds_bucket',
      'semantic_router_errors_total',
      'semantic_router_degradations_total',
    ]) {
      expect(metrics).toContain(name);
    }
    expect((await fetch(`${h.adminUrl}/nope`)).status).toBe(404);
  });
});
