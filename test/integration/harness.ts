import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  chatRequest,
  type EmulatorOptions,
  type ExchangeOptions,
  type ExchangeResult,
  ExtProcEmulator,
  echoUpstream,
  type HttpRequest,
  type Upstream,
} from 'envoy-extproc-emulator';
import { pino } from 'pino';
import { expect } from 'vitest';
import { type Router, type RouterOptions, startRouter } from '../../src/main.ts';
import type { ModelLibrary } from '../../src/models/model-library.ts';
import type { Logger } from '../../src/observability/logger.ts';
import type { Registry } from '../../src/policy/registry.ts';

export { chatRequest, echoUpstream };

/** The router on 127.0.0.1:0 with a policy in a temporary folder, and an Envoy emulator pointed at it. */
export interface Harness {
  router: Router;
  envoy: ExtProcEmulator;
  policyFile: string;
  adminUrl: string;
  send(request: HttpRequest, upstream?: Upstream, options?: ExchangeOptions): Promise<ExchangeResult>;
  /** A chat request with the prompt, through the default echo upstream. */
  chat(
    prompt: string,
    body?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<ExchangeResult>;
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  close(): Promise<void>;
}

/** A logger that keeps every line it writes (parsed), for tests that check what the router logged. */
export function capturingLogger(level = 'info'): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return { logger: pino({ level }, { write: (line: string) => lines.push(JSON.parse(line)) }), lines };
}

export async function startHarness(
  policyText: string,
  options: {
    registry?: Registry;
    envoy?: Omit<EmulatorOptions, 'target'>;
    models?: ModelLibrary;
    logger?: Logger;
    /** More options for the router (e.g. an admin token). */
    router?: Partial<RouterOptions>;
  } = {},
): Promise<Harness> {
  const dir = mkdtempSync(path.join(tmpdir(), 'router-test-'));
  const policyFile = path.join(dir, 'policy.yaml');
  writeFileSync(policyFile, policyText);
  const router = await startRouter({
    policyFile,
    grpcHost: '127.0.0.1',
    grpcPort: 0,
    adminHost: '127.0.0.1',
    adminPort: 0,
    logger: options.logger ?? pino({ level: 'silent' }),
    ...(options.registry ? { registry: options.registry } : {}),
    ...(options.models ? { models: options.models } : {}),
    ...options.router,
  });
  const envoy = new ExtProcEmulator({
    target: `127.0.0.1:${router.grpcPort}`,
    messageTimeoutMs: 2000,
    ...options.envoy,
  });
  await envoy.waitForReady();
  const adminUrl = `http://127.0.0.1:${router.adminPort}`;
  const send = (
    request: HttpRequest,
    upstream: Upstream = echoUpstream,
    exchangeOptions: ExchangeOptions = {},
  ) => envoy.exchange(request, upstream, exchangeOptions);
  return {
    router,
    envoy,
    policyFile,
    adminUrl,
    send,
    chat: (prompt, body = {}, headers = {}) => send(chatRequest(prompt, body, { headers })),
    async metric(name, labels = {}) {
      const text = await (await fetch(`${adminUrl}/metrics`)).text();
      let total = 0;
      for (const line of text.split('\n')) {
        if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
        if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
          total += Number(line.split(' ').at(-1));
      }
      return total;
    },
    async close() {
      envoy.close();
      await router.close(100);
    },
  };
}

/** The forwarded request went to `model`: header Envoy routes on, body model, and a cleared route cache. */
export function expectRouteTo(
  result: ExchangeResult,
  model: string,
  expected: { decision?: string; bodyModel?: string } = {},
): void {
  expect(result.outcome, JSON.stringify(result.immediateResponse ?? result.localReply)).toBe('completed');
  const forwarded = result.forwarded;
  expect(forwarded?.headers['x-selected-model']).toBe(model);
  expect(JSON.parse(forwarded?.body.toString() ?? '{}').model).toBe(expected.bodyModel ?? model);
  expect(forwarded?.routeCacheCleared).toBe(true);
  if (expected.decision) expect(forwarded?.headers['x-router-decision']).toBe(expected.decision);
}

/** The router answered itself with `status` and an OpenAI-style error; the upstream never saw the request. */
export function expectImmediate(
  result: ExchangeResult,
  status: number,
  code?: string,
): { message: string; type: string; code: string } {
  expect(result.outcome).toBe('immediate_response');
  expect(result.upstreamCalled).toBe(false);
  expect(result.response.status).toBe(status);
  expect(result.response.headers['content-type']).toBe('application/json');
  const error = JSON.parse(result.response.body.toString()).error;
  expect(error).toMatchObject({ message: expect.any(String), type: expect.any(String) });
  if (code) expect(error.code).toBe(code);
  return error;
}
