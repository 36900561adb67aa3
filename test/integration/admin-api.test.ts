import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAdminService } from '../../src/admin-api/router-admin.ts';
import { type Harness, startHarness } from './harness.ts';
import { TEST_POLICY } from './policy.ts';

let h: Harness;
let client: grpc.Client;

function unary<T>(method: string, request: object): Promise<T> {
  return new Promise((resolve, reject) =>
    (
      client as unknown as Record<
        string,
        (r: object, cb: (e: grpc.ServiceError | null, v: T) => void) => void
      >
    )[method]?.call(client, request, (error, value) => (error ? reject(error) : resolve(value))),
  );
}

beforeAll(async () => {
  h = await startHarness(TEST_POLICY);
  const RouterAdmin = loadAdminService();
  client = new RouterAdmin(`127.0.0.1:${h.router.grpcPort}`, grpc.credentials.createInsecure());
});
afterAll(async () => {
  client.close();
  await h.close();
});

describe('RouterAdmin gRPC API (proto/semantic_router/v1/admin.proto)', () => {
  it('explains how the live policy routes a chat request, signal by signal', async () => {
    const body = JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'python question' }] });
    const answer = await unary<{
      decision: string;
      model: string;
      reason: string[];
      signals: Record<string, { matched: boolean }>;
    }>('Explain', { chat_completion_json: body, headers: { 'x-user-tier': 'premium' } });
    expect(answer).toMatchObject({ decision: 'code', model: 'large', reason: ['keyword:code(python)'] });
    expect(answer.signals['keyword:code']?.matched).toBe(true);
    expect(answer.signals['header:premium']?.matched).toBe(true);
  });

  it('reports a rejection with its status', async () => {
    const body = JSON.stringify({ messages: [{ role: 'user', content: 'the forbidden topic' }] });
    const answer = await unary<{ model: string; rejection: { status: number } }>('Explain', {
      chat_completion_json: body,
    });
    expect(answer).toMatchObject({ model: '', rejection: { status: 451 } });
  });

  it('answers INVALID_ARGUMENT for a body that is not a chat request', async () => {
    await expect(unary('Explain', { chat_completion_json: '{"model":' })).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: expect.stringContaining('not valid JSON'),
    });
  });

  it('describes the policy being served', async () => {
    const info = await unary<Record<string, unknown>>('GetPolicy', {});
    expect(info).toMatchObject({
      name: 'integration',
      source: 'policy.yaml',
      sha256: h.router.policies.current.digest,
      models: ['small', 'large'],
      decisions: ['banned', 'code', 'long', 'premium', 'default'],
    });
    expect(JSON.stringify(info)).not.toContain(h.policyFile);
  });
});

describe('admin access with a token', () => {
  it('refuses RouterAdmin calls and /metrics without the token, and serves them with it', async () => {
    const guarded = await startHarness(TEST_POLICY, { router: { adminToken: 's3cret' } });
    const RouterAdmin = loadAdminService();
    const admin = new RouterAdmin(`127.0.0.1:${guarded.router.grpcPort}`, grpc.credentials.createInsecure());
    const getPolicy = (metadata: grpc.Metadata) =>
      new Promise<unknown>((resolve, reject) =>
        (admin as unknown as Record<string, (...args: unknown[]) => void>).GetPolicy?.call(
          admin,
          {},
          metadata,
          (error: grpc.ServiceError | null, value: unknown) => (error ? reject(error) : resolve(value)),
        ),
      );
    try {
      await expect(getPolicy(new grpc.Metadata())).rejects.toMatchObject({
        code: grpc.status.UNAUTHENTICATED,
      });
      const wrong = new grpc.Metadata();
      wrong.set('authorization', 'Bearer guess');
      await expect(getPolicy(wrong)).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
      const right = new grpc.Metadata();
      right.set('authorization', 'Bearer s3cret');
      await expect(getPolicy(right)).resolves.toMatchObject({ name: 'integration' });

      expect((await fetch(`${guarded.adminUrl}/metrics`)).status).toBe(401);
      const metrics = await fetch(`${guarded.adminUrl}/metrics`, {
        headers: { authorization: 'Bearer s3cret' },
      });
      expect(metrics.status).toBe(200);
      // Health and readiness stay open for probes.
      expect((await fetch(`${guarded.adminUrl}/readyz`)).status).toBe(200);
      expect((await fetch(`${guarded.adminUrl}/healthz`)).status).toBe(200);
    } finally {
      admin.close();
      await guarded.close();
    }
  });
});
