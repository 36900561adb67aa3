import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectImmediate, expectRouteTo, type Harness, startHarness } from './harness.ts';

// The shipped name tagger (models/pii-names) behind the pii signal and plugin, types chosen in the policy.
const POLICY = `apiVersion: semantic-router.io/v1
kind: RoutingPolicy
metadata: { name: pii-names-integration }
models:
  - { name: cloud, endpoint: { cluster: cloud_cluster } }
  - { name: onprem, endpoint: { cluster: onprem_cluster }, private: true }
signals:
  - { type: pii, name: people, entities: [PERSON, STREET_ADDRESS, EMAIL_ADDRESS] }
  - { type: keyword, name: hr, words: [payroll] }
  - { type: keyword, name: contract, words: [contract] }
decisions:
  - name: payroll
    priority: 30
    when: { all: [keyword:hr, pii:people] }
    models: [cloud, onprem]
    plugins: [{ type: pii, action: private, entities: [PERSON] }]
  - name: contract
    priority: 20
    when: { all: [keyword:contract, pii:people] }
    models: [cloud]
    plugins: [{ type: pii, action: block, entities: [PERSON] }]
  - name: people
    priority: 10
    when: pii:people
    models: [cloud]
    plugins: [{ type: pii, action: redact, entities: [PERSON, STREET_ADDRESS, EMAIL_ADDRESS] }]
defaultDecision:
  models: [cloud]
`;

let h: Harness;
beforeAll(async () => {
  h = await startHarness(POLICY);
});
afterAll(() => h.close());

describe('names and addresses in chat requests', () => {
  it("redacts a person's name and street address from the forwarded body", async () => {
    const prompt =
      'Please send the parcel to Maria Gonzalez at 221 Baker Street, and thank her for the order.';
    const result = await h.chat(prompt);
    expectRouteTo(result, 'cloud', { decision: 'people' });
    const body = JSON.parse(result.forwarded?.body.toString() ?? '{}');
    const content = body.messages[0].content as string;
    expect(content).toContain('[PERSON]');
    expect(content).toContain('[STREET_ADDRESS]');
    expect(content).not.toMatch(/Maria|Gonzalez|Baker/);
    expect(content).toMatch(/^Please send the parcel to \[PERSON\] at \[STREET_ADDRESS\]/);
    expect(result.forwarded?.headers['x-router-reason']).toContain('PERSON');
  });

  it('routes a request naming a person to the private model under action private', async () => {
    const result = await h.chat('Update the payroll record of Sven Hedlund before Friday.');
    expectRouteTo(result, 'onprem', { decision: 'payroll' });
  });

  it('blocks a request naming a person under action block, naming the type, not the value', async () => {
    const error = expectImmediate(
      await h.chat('Draft a contract between Sven Hedlund and our company.'),
      403,
      'pii_detected',
    );
    expect(error.message).toContain('PERSON');
    expect(error.message).not.toContain('Hedlund');
  });

  it('leaves a request without personal data alone', async () => {
    expectRouteTo(await h.chat('What is a good recipe for pancakes?'), 'cloud', { decision: 'default' });
  });
});
