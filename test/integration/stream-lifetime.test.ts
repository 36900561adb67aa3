import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import type { ProcessingRequest, ProcessingResponse } from '../../src/extproc/messages.ts';
import { loadExtProcService } from '../../src/extproc/protos.ts';
import { chatRequest, echoUpstream, expectRouteTo, startHarness } from './harness.ts';
import { TEST_POLICY } from './policy.ts';

type ProcessCall = grpc.ClientDuplexStream<ProcessingRequest, ProcessingResponse>;

function processClient(port: number) {
  return new (loadExtProcService())(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as {
    Process(): ProcessCall;
    close(): void;
  };
}

describe('an ext_proc stream that goes quiet', () => {
  it('is closed with DEADLINE_EXCEEDED after the idle timeout, and counted', async () => {
    const h = await startHarness(TEST_POLICY, { router: { streamIdleTimeoutMs: 200 } });
    const client = processClient(h.router.grpcPort);
    try {
      const call = client.Process();
      const status = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
      call.on('error', () => {});
      call.on('data', () => {});
      call.write({
        request_headers: {
          headers: {
            headers: [
              { key: ':method', raw_value: Buffer.from('POST') },
              { key: ':path', raw_value: Buffer.from('/v1/chat/completions') },
            ],
          },
        },
      });
      // The client never sends the body: the router gives up on the stream by itself.
      expect((await status).code).toBe(grpc.status.DEADLINE_EXCEEDED);
      expect(await h.metric('semantic_router_errors_total', { kind: 'idle_stream' })).toBe(1);
      expect(await h.metric('semantic_router_active_streams')).toBe(0);
    } finally {
      client.close();
      await h.close();
    }
  });
});

describe('shutting down', () => {
  it('lets an exchange in flight finish within the grace period, and refuses new streams meanwhile', async () => {
    const h = await startHarness(TEST_POLICY);
    let release = () => {};
    const upstreamWaits = new Promise<void>((resolve) => {
      release = resolve;
    });
    let upstreamReached = () => {};
    const reached = new Promise<void>((resolve) => {
      upstreamReached = resolve;
    });
    const inFlight = h.send(chatRequest('python question'), async (forwarded) => {
      upstreamReached();
      await upstreamWaits;
      return echoUpstream(forwarded);
    });
    await reached;
    const closing = h.router.close(30_000);
    // The listener is closed: a new exchange cannot start (a fresh client cannot connect).
    const late = processClient(h.router.grpcPort);
    const refused = await new Promise<Error | undefined>((resolve) =>
      (late as unknown as grpc.Client).waitForReady(Date.now() + 1000, resolve),
    );
    late.close();
    expect(refused).toBeInstanceOf(Error);
    release();
    expectRouteTo(await inFlight, 'large', { bodyModel: 'large-served-name' });
    await closing;
    h.envoy.close();
  });
});
