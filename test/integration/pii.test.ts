import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAdminService } from '../../src/admin-api/router-admin.ts';
import { chatRequest, expectImmediate, expectRouteTo, type Harness, startHarness } from './harness.ts';

const POLICY = `apiVersion: semantic-router.io/v1
kind: RoutingPolicy
metadata: { name: pii-integration }
models:
  - { name: cloud, endpoint: { cluster: cloud_cluster } }
  - { name: onprem, endpoint: { cluster: onprem_cluster }, private: true }
signals:
  - { type: pii, name: secrets, entities: [US_SSN, CREDIT_CARD] }
  - { type: pii, name: contact, entities: [EMAIL_ADDRESS, PHONE_NUMBER] }
  - { type: keyword, name: confidential, words: [confidential] }
  - { type: keyword, name: newsletter, words: [newsletter] }
  - { type: language, name: german, languages: [de] }
decisions:
  - name: secrets
    priority: 30
    when: pii:secrets
    models: [cloud]
    plugins: [{ type: pii, action: block, entities: [US_SSN, CREDIT_CARD] }]
  - name: confidential
    priority: 20
    when: { all: [keyword:confidential, pii:contact] }
    models: [cloud, onprem]
    plugins: [{ type: pii, action: private }]
  - name: newsletter
    priority: 15
    when: { all: [keyword:newsletter, pii:contact] }
    models: [cloud]
    plugins: [{ type: pii, action: private }]
  - name: contact
    priority: 10
    when: pii:contact
    models: [cloud]
    plugins: [{ type: pii, action: redact }]
  - name: german
    when: language:german
    models: [onprem]
defaultDecision:
  models: [cloud]
`;

let h: Harness;
beforeAll(async () => {
  h = await startHarness(POLICY);
});
afterAll(() => h.close());

describe('personal data in chat requests', () => {
  it('blocks a request with an SSN: 403 immediate response, pii_detected, the value not echoed', async () => {
    const error = expectImmediate(await h.chat('my SSN is 536-90-4399, is it safe?'), 403, 'pii_detected');
    expect(error.message).toContain('US_SSN');
    expect(error.message).not.toContain('4399');
  });

  it('redacts an email from the forwarded body, with a matching content-length', async () => {
    const result = await h.chat('please mail the report to jane.doe@example.com today', { temperature: 0.1 });
    expectRouteTo(result, 'cloud', { decision: 'contact' });
    const forwarded = result.forwarded;
    const body = JSON.parse(forwarded?.body.toString() ?? '{}');
    expect(body.messages).toEqual([
      { role: 'user', content: 'please mail the report to [EMAIL_ADDRESS] today' },
    ]);
    expect(body.temperature).toBe(0.1);
    expect(Number(forwarded?.headers['content-length'])).toBe(forwarded?.body.length);
    expect(forwarded?.body.toString()).not.toContain('jane');
    expect(forwarded?.headers['x-router-reason']).toBe('pii:contact(EMAIL_ADDRESS)');
  });

  it('routes a confidential request with personal data to the private model', async () => {
    const result = await h.chat('confidential: call me back on +1 415 555 0132');
    expectRouteTo(result, 'onprem', { decision: 'confidential' });
    expect(result.forwarded?.headers['x-router-reason']).toContain('private models only');
  });

  it('answers 403 no_private_model when the decision has no private model', async () => {
    expectImmediate(await h.chat('add jane.doe@example.com to the newsletter'), 403, 'no_private_model');
  });

  it('never forwards personal data unredacted because the body nests deeply', async () => {
    // Rewriting a body nested 5,000 deep overflowed the stack, and the error let the original through.
    const nested = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    const body = JSON.stringify({
      model: 'auto',
      messages: [{ role: 'user', content: 'mail it to jane.doe@example.com' }],
    }).replace('"messages"', `"metadata":${nested},"messages"`);
    const result = await h.send({ ...chatRequest('x'), body });
    expect(result.upstreamCalled).toBe(false);
    expectImmediate(result, 400);
    // Within the depth limit, the same body is redacted as usual.
    const shallow = body.replace(nested, `${'['.repeat(40)}${']'.repeat(40)}`);
    const redacted = await h.send({ ...chatRequest('x'), body: shallow });
    expectRouteTo(redacted, 'cloud', { decision: 'contact' });
    expect(redacted.forwarded?.body.toString()).not.toContain('jane');
  });

  it('redacts an address far into a long message, scanned in slices', async () => {
    const padding = 'The quarterly report covers revenue, costs and hiring plans. '.repeat(6000);
    const result = await h.chat(`${padding} Send it to jane.doe@example.com. ${padding}`);
    expectRouteTo(result, 'cloud', { decision: 'contact' });
    const forwarded = result.forwarded?.body.toString() ?? '';
    expect(forwarded).not.toContain('jane.doe');
    expect(forwarded).toContain('Send it to [EMAIL_ADDRESS].');
  });

  it('routes by the prompt language', async () => {
    expectRouteTo(await h.chat('Wie spät ist es jetzt in Tokio?'), 'onprem', { decision: 'german' });
    expectRouteTo(await h.chat('What time is it in Tokyo right now?'), 'cloud', { decision: 'default' });
  });
});

describe('explaining personal data over RouterAdmin', () => {
  it('reports the pii signal with entity types and spans, never the values', async () => {
    const RouterAdmin = loadAdminService();
    const client = new RouterAdmin(`127.0.0.1:${h.router.grpcPort}`, grpc.credentials.createInsecure());
    const body = JSON.stringify({ messages: [{ role: 'user', content: 'mail jane@example.com' }] });
    const answer = await new Promise<{ signals: Record<string, unknown> }>((resolve, reject) =>
      (
        client as unknown as Record<string, (r: object, cb: (e: Error | null, v: never) => void) => void>
      ).Explain?.call(client, { chat_completion_json: body }, (error, value) =>
        error ? reject(error) : resolve(value),
      ),
    );
    client.close();
    expect(answer.signals['pii:contact']).toMatchObject({
      matched: true,
      evidence: ['EMAIL_ADDRESS'],
      spans: [{ type: 'EMAIL_ADDRESS', start: 5, end: 21, score: 0.9 }],
    });
    expect(JSON.stringify(answer)).not.toContain('jane');
  });
});
