import { afterEach, describe, expect, it } from 'vitest';
import { chatRequest, echoUpstream, sseUpstream } from './chat.ts';
import { ExtProcEmulator } from './emulator-client.ts';
import { continueAnswer, phaseOf, startFakeProcessor } from './fake-processor.ts';
import { readHeaderValue } from './header-mutation.ts';
import type { ProcessingRequest } from './wire-types.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function requestId(request: ProcessingRequest): string {
  const header = request.request_headers?.headers?.headers?.find((h) => h.key === 'x-request-id');
  return header ? readHeaderValue(header, true) : '';
}

describe('concurrency', () => {
  it('runs 200 concurrent exchanges over one channel, each on its own stream', async () => {
    const processor = await startFakeProcessor(async (request) => {
      const phase = phaseOf(request);
      // Answer out of step across streams so that any mix-up between them would show.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
      if (phase === 'request_headers') {
        return continueAnswer(phase, {
          header_mutation: {
            set_headers: [
              { header: { key: 'x-selected-model', raw_value: Buffer.from(`model-${requestId(request)}`) } },
            ],
          },
          clear_route_cache: true,
        });
      }
      if (phase === 'response_headers') {
        const status = request.response_headers?.headers?.headers?.find((h) => h.key === 'content-type');
        const isSse = status ? readHeaderValue(status, true) === 'text/event-stream' : false;
        return isSse
          ? { ...continueAnswer(phase), mode_override: { response_body_mode: 'STREAMED' } }
          : undefined;
      }
      return undefined;
    });
    const emulator = new ExtProcEmulator({ target: processor.address, messageTimeoutMs: 5000 });
    cleanups.push(
      () => processor.close(),
      () => emulator.close(),
    );
    await emulator.waitForReady();

    const count = 200;
    const results = await Promise.all(
      Array.from({ length: count }, (_, i) => {
        const streaming = i % 4 === 0;
        const upstream = streaming ? sseUpstream(['a', 'b', 'c']) : echoUpstream;
        return emulator.exchange(
          chatRequest(`prompt ${i}`, { stream: streaming }, { requestId: `r${i}` }),
          upstream,
        );
      }),
    );

    expect(processor.calls).toHaveLength(count);
    results.forEach((result, i) => {
      expect(result.outcome).toBe('completed');
      expect(result.forwarded?.headers['x-selected-model']).toBe(`model-r${i}`);
      expect(result.forwarded?.routeCacheCleared).toBe(true);
      if (i % 4 === 0) {
        expect(result.finalModes.response.bodyMode).toBe('STREAMED');
        expect(result.response.body.toString()).toBe('data: a\n\ndata: b\n\ndata: c\n\ndata: [DONE]\n\n');
      } else {
        expect(JSON.parse(result.response.body.toString()).echo.selectedModel).toBe(`model-r${i}`);
      }
    });
    const outcomes = await Promise.all(processor.calls.map((call) => call.done));
    expect(outcomes.every((how) => how === 'ended')).toBe(true);
  });
});
