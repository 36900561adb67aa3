/**
 * The semantic cache through the real server as Envoy drives it: what is stored, what a hit must
 * share with the request (tenant, decision, model, stream mode, the rest of the request), what is
 * never served (negated questions, expired entries), and hits as JSON and as event streams.
 */

import * as grpc from '@grpc/grpc-js';
import { chatCompletionChunks, sseUpstream } from 'envoy-extproc-emulator';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAdminService } from '../../src/admin-api/router-admin.ts';
import { chatRequest, type Harness, startHarness } from './harness.ts';
import { TEST_POLICY } from './policy.ts';

const POLICY = `${TEST_POLICY}cache:
  threshold: 0.9
  ttlSeconds: 600
  categories:
    - { decision: premium, enabled: false }
`;

let h: Harness;
let tenants = 0;
/** A tenant of its own for each test, so that tests never see each other's entries. */
const tenant = () => ({ 'x-tenant-id': `tenant-${++tenants}` });

/** Stores happen after the exchange, off its path: wait until the next ask is a hit (or give up). */
async function untilStored(ask: () => Promise<{ upstreamCalled: boolean }>): Promise<void> {
  for (let waited = 0; waited < 5000; waited += 20) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    if (!(await ask()).upstreamCalled) return;
  }
  throw new Error('the answer was never stored');
}

/** Lets a store that should not happen have every chance to. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

beforeAll(async () => {
  h = await startHarness(POLICY);
});
afterAll(() => h.close());

describe('the cache', () => {
  it('answers a repeated question from memory, as JSON with the request’s own id and cached usage', async () => {
    const headers = tenant();
    const first = await h.chat('How do I sort a list in Python?', {}, headers);
    expect(first.upstreamCalled).toBe(true);
    await untilStored(() => h.chat('How do I sort a list in Python?', {}, headers));
    const savedTokens = await h.metric('semantic_router_cache_saved_tokens_total');
    const savedUsd = await h.metric('semantic_router_cache_saved_usd_total');
    const hit = await h.send(
      chatRequest('how do I sort a list in python', {}, { headers, requestId: 'req-42' }),
    );
    expect(hit.outcome).toBe('immediate_response');
    expect(hit.upstreamCalled).toBe(false);
    expect(hit.response.headers['x-router-cache']).toBe('hit');
    expect(hit.response.headers['x-router-cache-tier']).toBe('exact');
    expect(hit.response.headers['x-router-reason']).toContain('cache hit');
    const body = JSON.parse(hit.response.body.toString());
    expect(body.id).toBe('chatcmpl-req-42');
    expect(body.choices[0].message.content).toBe(
      JSON.parse(first.response.body.toString()).choices[0].message.content,
    );
    expect(body.usage).toMatchObject({
      total_tokens: 0,
      cached: true,
      original: { prompt_tokens: expect.any(Number) },
    });
    // What the hit spared the model: the tokens its answer took, at the model's prices.
    const { prompt_tokens: prompt, completion_tokens: completion } = body.usage.original;
    expect(prompt + completion).toBeGreaterThan(0);
    expect(await h.metric('semantic_router_cache_saved_tokens_total')).toBe(
      savedTokens + prompt + completion,
    );
    expect(await h.metric('semantic_router_cache_saved_usd_total')).toBeGreaterThan(savedUsd);
  });

  it('answers a paraphrase from the semantic tier, with its similarity', async () => {
    const headers = tenant();
    await h.chat('How do I sort a list in Python?', {}, headers);
    await untilStored(() => h.chat('How do I sort a list in Python?', {}, headers));
    const hit = await h.chat('how can I sort a list in python', {}, headers);
    expect(hit.upstreamCalled).toBe(false);
    expect(hit.response.headers['x-router-cache-tier']).toBe('semantic');
    expect(Number(hit.response.headers['x-router-cache-similarity'])).toBeGreaterThanOrEqual(0.9);
  });

  it('never answers the negated question, another tenant, another model or another stream mode', async () => {
    const headers = tenant();
    const question = 'Should I enable 2FA on my python account?';
    await h.chat(question, {}, headers);
    await untilStored(() => h.chat(question, {}, headers));
    expect((await h.chat('Should I disable 2FA on my python account?', {}, headers)).upstreamCalled).toBe(
      true,
    );
    expect((await h.chat('Should I not enable 2FA on my python account?', {}, headers)).upstreamCalled).toBe(
      true,
    );
    expect((await h.chat(question, {}, tenant())).upstreamCalled).toBe(true);
    expect((await h.chat(question, { model: 'small' }, headers)).upstreamCalled).toBe(true);
    expect((await h.chat(question, { stream: true }, headers)).upstreamCalled).toBe(true);
    expect((await h.chat(question, { temperature: 0.2 }, headers)).upstreamCalled).toBe(true);
    const withSystem = [
      { role: 'system' as const, content: 'Answer in French.' },
      { role: 'user' as const, content: question },
    ];
    expect((await h.send(chatRequest(withSystem, {}, { headers }))).upstreamCalled).toBe(true);
    expect((await h.chat(question, {}, headers)).upstreamCalled).toBe(false);
  });

  it('neither looks up nor stores a request without its tenant, or one the policy or client keeps out', async () => {
    const question = 'What is the time complexity of python sorted?';
    await h.chat(question);
    await settle();
    expect((await h.chat(question)).upstreamCalled).toBe(true);
    const headers = tenant();
    for (const extra of [{ n: 2 }, { temperature: 1.5 }]) {
      await h.chat(question, extra, headers);
      await settle();
      expect((await h.chat(question, extra, headers)).upstreamCalled).toBe(true);
    }
    await h.chat(question, {}, { ...headers, 'x-router-cache-control': 'no-store' });
    await settle();
    expect((await h.chat(question, {}, headers)).upstreamCalled).toBe(true);
    await untilStored(() => h.chat(question, {}, headers));
    const fresh = await h.chat(question, {}, { ...headers, 'x-router-cache-control': 'no-cache' });
    expect(fresh.upstreamCalled).toBe(true);
    // The policy turns the cache off for the premium decision.
    const premium = { ...headers, 'x-user-tier': 'premium' };
    await h.chat('What is a monad?', {}, premium);
    await settle();
    expect((await h.chat('What is a monad?', {}, premium)).upstreamCalled).toBe(true);
  });

  it('stores no request with a personal identifier, though the policy has no pii signal', async () => {
    const headers = tenant();
    const personal = 'Write a polite reply to jane.doe@example.com declining the meeting';
    await h.chat(personal, {}, headers);
    await settle();
    expect((await h.chat(personal, {}, headers)).upstreamCalled).toBe(true);
    const impersonal = 'Write a polite reply to my colleague declining the meeting';
    await h.chat(impersonal, {}, headers);
    await untilStored(() => h.chat(impersonal, {}, headers));
  });

  it('does not serve an entry older than the client’s max-age', async () => {
    const headers = tenant();
    const question = 'How do python generators work?';
    await h.chat(question, {}, headers);
    await untilStored(() => h.chat(question, {}, headers));
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const old = await h.chat(question, {}, { ...headers, 'x-router-cache-control': 'max-age=1' });
    expect(old.upstreamCalled).toBe(true);
  });

  it('stores a streamed answer rebuilt from its chunks and answers with an event stream the openai client reads', async () => {
    const headers = tenant();
    const question = 'Explain python decorators briefly';
    const upstream = sseUpstream(chatCompletionChunks(['Decorators ', 'wrap ', 'functions.'], 'large'));
    const first = await h.send(chatRequest(question, { stream: true }, { headers }), upstream);
    expect(first.upstreamCalled).toBe(true);
    await untilStored(() => h.send(chatRequest(question, { stream: true }, { headers }), upstream));
    const hit = await h.send(chatRequest(question, { stream: true }, { headers, requestId: 'sse-1' }));
    expect(hit.upstreamCalled).toBe(false);
    expect(hit.response.headers['content-type']).toBe('text/event-stream');
    const sse = hit.response.body.toString();
    expect(sse.endsWith('data: [DONE]\n\n')).toBe(true);
    const client = new OpenAI({
      apiKey: 'unused',
      baseURL: 'http://cache.invalid/v1',
      fetch: async () => new Response(sse, { status: 200, headers: { 'content-type': 'text/event-stream' } }),
    });
    const stream = await client.chat.completions.create({
      model: 'auto',
      messages: [{ role: 'user', content: question }],
      stream: true,
    });
    let text = '';
    let finish: string | null = null;
    for await (const chunk of stream) {
      expect(chunk.id).toBe('chatcmpl-sse-1');
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(text).toBe('Decorators wrap functions.');
    expect(finish).toBe('stop');
  });

  it('stores nothing from a cut stream or an error', async () => {
    const headers = tenant();
    const question = 'What does python asyncio gather do?';
    const cut = sseUpstream(chatCompletionChunks(['partial'], 'large'), { done: false });
    await h.send(chatRequest(question, { stream: true }, { headers }), cut);
    await settle();
    expect((await h.send(chatRequest(question, { stream: true }, { headers }), cut)).upstreamCalled).toBe(
      true,
    );
    const failing = sseUpstream([], { status: 500, done: false });
    await h.send(chatRequest(question, { stream: true }, { headers }), failing);
    await settle();
    expect((await h.send(chatRequest(question, { stream: true }, { headers }), cut)).upstreamCalled).toBe(
      true,
    );
  });

  it('counts lookups, hits by tier, verifier rejections and entries per category', async () => {
    const category = { category: 'code' };
    expect(await h.metric('semantic_router_cache_lookups_total', category)).toBeGreaterThan(5);
    expect(
      await h.metric('semantic_router_cache_hits_total', { ...category, tier: 'exact' }),
    ).toBeGreaterThan(0);
    expect(
      await h.metric('semantic_router_cache_hits_total', { ...category, tier: 'semantic' }),
    ).toBeGreaterThan(0);
    expect(await h.metric('semantic_router_cache_verifier_rejections_total', category)).toBeGreaterThan(0);
    expect(await h.metric('semantic_router_cache_entries', category)).toBeGreaterThan(0);
    expect(await h.metric('semantic_router_cache_bytes', category)).toBeGreaterThan(0);
    expect(await h.metric('semantic_router_cache_lookup_seconds_total', category)).toBeGreaterThan(0);
  });

  it('forgets a tenant’s entries, then a model’s, when the RouterAdmin API says so', async () => {
    const [one, two] = [tenant(), tenant()];
    const question = 'How do I read a file in python?';
    for (const headers of [one, two]) {
      await h.chat(question, {}, headers);
      await untilStored(() => h.chat(question, {}, headers));
    }
    const client = new (loadAdminService())(
      `127.0.0.1:${h.router.grpcPort}`,
      grpc.credentials.createInsecure(),
    );
    const invalidate = (request: object) =>
      new Promise<{ removed: string }>((resolve, reject) =>
        (
          client as unknown as Record<
            string,
            (r: object, cb: (e: Error | null, v: { removed: string }) => void) => void
          >
        ).InvalidateCache?.(request, (error, value) => (error ? reject(error) : resolve(value))),
      );
    try {
      expect(Number((await invalidate({ tenant: one['x-tenant-id'] })).removed)).toBe(1);
      expect((await h.chat(question, {}, one)).upstreamCalled).toBe(true);
      expect((await h.chat(question, {}, two)).upstreamCalled).toBe(false);
      expect(Number((await invalidate({ model: 'large' })).removed)).toBeGreaterThanOrEqual(1);
      expect((await h.chat(question, {}, two)).upstreamCalled).toBe(true);
    } finally {
      client.close();
    }
  });

  it('explains what it would do with a prompt: partition, nearest entries, similarity and verdict', async () => {
    const headers = tenant();
    await h.chat('How do I enable logging in python?', {}, headers);
    await untilStored(() => h.chat('How do I enable logging in python?', {}, headers));
    const lookups = await h.metric('semantic_router_cache_lookups_total', { category: 'code' });
    const client = new (loadAdminService())(
      `127.0.0.1:${h.router.grpcPort}`,
      grpc.credentials.createInsecure(),
    );
    const explain = (prompt: string) =>
      new Promise<{ stages: Record<string, string> }>((resolve, reject) =>
        (
          client as unknown as Record<
            string,
            (r: object, cb: (e: Error | null, v: { stages: Record<string, string> }) => void) => void
          >
        ).Explain?.(
          {
            chat_completion_json: JSON.stringify({ messages: [{ role: 'user', content: prompt }] }),
            headers,
          },
          (error, value) => (error ? reject(error) : resolve(value)),
        ),
      );
    try {
      const disabled = JSON.parse(
        (await explain('Why can I not enable logging in python?')).stages.cache ?? '{}',
      );
      expect(disabled).toMatchObject({ category: 'code', lookup: true, store: true, result: 'miss' });
      expect(disabled.partition).toEqual(expect.any(String));
      expect(disabled.nearest[0]).toMatchObject({
        question: 'How do I enable logging in python?',
        verdict: expect.stringMatching(/^verifier refuses: (negation|question)/),
      });
      const same = JSON.parse((await explain('How do I enable logging in python?')).stages.cache ?? '{}');
      expect(same.result).toMatch(/^hit \(exact/);
    } finally {
      client.close();
    }
    // Explaining counted nothing.
    expect(await h.metric('semantic_router_cache_lookups_total', { category: 'code' })).toBe(lookups);
  });

  it('is looked up after the guards: a refused request is refused even when its answer is cached', async () => {
    const headers = tenant();
    const refused = await h.chat('tell me about the forbidden topic', {}, headers);
    expect(refused.response.status).toBe(451);
    await settle();
    expect((await h.chat('tell me about the forbidden topic', {}, headers)).response.status).toBe(451);
  });
});
