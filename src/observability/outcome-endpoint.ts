import type { IncomingMessage } from 'node:http';

/** Largest JSON body `POST /v1/router/outcomes` reads. */
const MAX_BODY_BYTES = 1 << 20;
/** Most outcomes one body may carry (as the gRPC service). */
const MAX_OUTCOMES = 1000;

/** What takes outcomes by request id (the router's learning hub). */
export interface OutcomeReceiver {
  report(id: string, outcome: unknown): Promise<'accepted' | 'duplicate' | 'unknown' | 'invalid'>;
}

type Reply = [number, unknown];

/**
 * `POST /v1/router/outcomes`: a JSON body `{"outcomes": [{"request_id": "…", "score": 0.8}, …]}`
 * (or one such outcome alone), each with one of `score` (0..1), `thumbs` (`up` / `down`) or
 * `success` (boolean). Answers `{"results": [{"request_id", "status"}]}`, a status per outcome in
 * order (`accepted`, `duplicate`, `unknown`, `invalid`); 400 for a body that is not such JSON, 413
 * past 1 MiB or 1000 outcomes.
 */
export async function receiveOutcomes(req: IncomingMessage, receiver: OutcomeReceiver): Promise<Reply> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return [413, { error: `the body is over ${MAX_BODY_BYTES} bytes` }];
    chunks.push(chunk as Buffer);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return [400, { error: 'the body is not JSON' }];
  }
  if (typeof body !== 'object' || body === null) return [400, { error: 'the body is not a JSON object' }];
  const list = Array.isArray((body as { outcomes?: unknown }).outcomes)
    ? ((body as { outcomes: unknown[] }).outcomes as unknown[])
    : [body];
  if (list.length > MAX_OUTCOMES) return [413, { error: `at most ${MAX_OUTCOMES} outcomes per body` }];
  const results = await Promise.all(
    list.map(async (item) => {
      const record = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
      const id = typeof record.request_id === 'string' ? record.request_id : '';
      const { request_id: _id, ...outcome } = record;
      return { request_id: id, status: await receiver.report(id, outcome) };
    }),
  );
  return [200, { results }];
}
