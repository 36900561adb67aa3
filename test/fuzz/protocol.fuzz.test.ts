/**
 * Random ext_proc message sequences, as no Envoy would send them: phases out of order, missing or
 * repeated, odd headers and bodies, streams cancelled midway. The router answers every message once,
 * with an answer of the message's kind (or an immediate response to a request phase), ends each
 * stream cleanly, and keeps serving.
 */
import * as grpc from '@grpc/grpc-js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProcessingRequest, ProcessingResponse } from '../../src/extproc/messages.ts';
import { loadExtProcService } from '../../src/extproc/protos.ts';
import { expectRouteTo, type Harness, startHarness } from '../integration/harness.ts';
import { TEST_POLICY } from '../integration/policy.ts';

type Call = grpc.ClientDuplexStream<ProcessingRequest, ProcessingResponse>;
type Phase = NonNullable<ProcessingRequest['request']>;

let h: Harness;
let client: { Process(): Call; close(): void };
beforeAll(async () => {
  h = await startHarness(TEST_POLICY);
  client = new (loadExtProcService())(
    `127.0.0.1:${h.router.grpcPort}`,
    grpc.credentials.createInsecure(),
  ) as never;
});
afterAll(async () => {
  client.close();
  await h.close();
});

const header = (key: string, value: string) => ({ key, raw_value: Buffer.from(value) });

const headerList = fc.array(
  fc.oneof(
    fc.constantFrom(
      header(':method', 'POST'),
      header(':method', 'GET'),
      header(':path', '/v1/chat/completions'),
      header(':path', '/v1/models'),
      header(':path', '/elsewhere'),
      header(':status', '200'),
      header(':status', '500'),
      header('content-type', 'text/event-stream'),
      header('content-type', 'application/json'),
      header('content-length', '12'),
      header('content-length', 'not a number'),
      header('x-request-id', 'fuzz'),
    ),
    fc.record({ key: fc.string({ maxLength: 8 }), value: fc.string({ maxLength: 8 }) }),
  ),
  { maxLength: 6 },
);

const body = fc.oneof(
  fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
  fc
    .constantFrom(
      '{"model":"auto","messages":[{"role":"user","content":"python please"}]}',
      '{"model":"auto","messages":[{"role":"user","content":"a forbidden topic"}]}',
      '{"messages":[]}',
      '{"messages":[{"role":"human","content":"x"}]}',
      'data: {"usage":{"prompt_tokens":3,"completion_tokens":4}}\n\n',
      '{"usage":{"prompt_tokens":3,"completion_tokens":4}}',
      '[[[[[[[[[[',
      '',
    )
    .map((text) => Buffer.from(text)),
);

const message: fc.Arbitrary<ProcessingRequest> = fc.oneof(
  fc.record({ headers: headerList, end: fc.boolean() }).map(({ headers, end }) => ({
    request_headers: { headers: { headers }, end_of_stream: end },
  })),
  fc
    .record({ body, end: fc.boolean() })
    .map(({ body, end }) => ({ request_body: { body, end_of_stream: end } })),
  fc.constant({ request_trailers: { trailers: { headers: [] } } }),
  fc.record({ headers: headerList, end: fc.boolean() }).map(({ headers, end }) => ({
    response_headers: { headers: { headers }, end_of_stream: end },
  })),
  fc
    .record({ body, end: fc.boolean() })
    .map(({ body, end }) => ({ response_body: { body, end_of_stream: end } })),
  fc.constant({ response_trailers: { trailers: { headers: [] } } }),
) as fc.Arbitrary<ProcessingRequest>;

function phaseOf(m: ProcessingRequest): Phase {
  return Object.keys(m).find((key) => key !== 'observability_mode') as Phase;
}

/** Sends the messages, half-closes, and collects the answers and the final status. */
function converse(
  messages: readonly ProcessingRequest[],
): Promise<{ answers: ProcessingResponse[]; status: grpc.StatusObject }> {
  return new Promise((resolve) => {
    const call = client.Process();
    const answers: ProcessingResponse[] = [];
    call.on('data', (answer: ProcessingResponse) => answers.push(answer));
    call.on('error', () => {});
    call.on('status', (status) => resolve({ answers, status }));
    for (const m of messages) call.write(m);
    call.end();
  });
}

describe('random ext_proc message sequences', () => {
  it('get one answer per message, of its kind, in order, and a clean end', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(message, { minLength: 1, maxLength: 8 }), async (messages) => {
        const { answers, status } = await converse(messages);
        expect(status.code).toBe(grpc.status.OK);
        expect(answers).toHaveLength(messages.length);
        answers.forEach((answer, i) => {
          const phase = phaseOf(messages[i] as ProcessingRequest);
          const kind = Object.keys(answer).find(
            (key) => key !== 'mode_override' && key !== 'dynamic_metadata',
          );
          const allowed =
            phase.startsWith('request_') && phase !== 'request_trailers'
              ? [phase, 'immediate_response']
              : [phase];
          expect(allowed).toContain(kind);
        });
      }),
      { numRuns: 300 },
    );
    expectRouteTo(await h.chat('python after the fuzzing'), 'large', { bodyModel: 'large-served-name' });
  }, 120_000);

  it('cancelled at any point leave no stream open and the router serving', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(message, { minLength: 1, maxLength: 6 }),
        fc.nat({ max: 6 }),
        async (messages, cancelAfter) => {
          const call = client.Process();
          call.on('error', () => {});
          call.on('data', () => {});
          const ended = new Promise<void>((resolve) => call.on('status', () => resolve()));
          for (const m of messages.slice(0, cancelAfter)) call.write(m);
          await new Promise((resolve) => setImmediate(resolve));
          call.cancel();
          await ended;
        },
      ),
      { numRuns: 200 },
    );
    // Streams close on the server asynchronously: wait for the gauge to settle (generously).
    const deadline = Date.now() + 10_000;
    while ((await h.metric('semantic_router_active_streams')) !== 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await h.metric('semantic_router_active_streams')).toBe(0);
    expectRouteTo(await h.chat('python after the cancellations'), 'large', {
      bodyModel: 'large-served-name',
    });
  }, 120_000);
});
