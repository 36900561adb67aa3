import { describe, expect, it, vi } from 'vitest';
import { testSignalContext } from '../../test/support/fake-models.ts';
import { routerRequest } from '../../test/support/requests.ts';
import { detectPii } from './pii/detectors.ts';
import { piiSignal } from './pii.ts';

// The real detector, counted.
vi.mock('./pii/detectors.ts', async (importOriginal) => {
  const original = await importOriginal<typeof import('./pii/detectors.ts')>();
  return { ...original, detectPii: vi.fn(original.detectPii) };
});

function pii(params: Record<string, unknown> = {}) {
  return piiSignal.create(piiSignal.params.parse(params) as Record<string, unknown>, testSignalContext());
}

const CONVERSATION = [
  { role: 'system', content: 'Support bot. Escalations: ops@example.com' },
  { role: 'user', content: 'My card 4111 1111 1111 1111 was charged twice.' },
  { role: 'assistant', content: 'Sorry! What is your phone number?' },
  { role: 'user', content: 'It is +1 415 555 0132, or mail me at jane@example.org' },
];

describe('pii signal', () => {
  it.each([
    { name: 'the last user message by default', params: {}, evidence: ['PHONE_NUMBER', 'EMAIL_ADDRESS'] },
    {
      name: 'every user message',
      params: { scope: 'user' },
      evidence: ['CREDIT_CARD', 'PHONE_NUMBER', 'EMAIL_ADDRESS'],
    },
    {
      name: 'the whole conversation',
      params: { scope: 'conversation' },
      evidence: ['EMAIL_ADDRESS', 'CREDIT_CARD', 'PHONE_NUMBER'],
    },
    {
      name: 'only the chosen types',
      params: { scope: 'user', entities: ['CREDIT_CARD'] },
      evidence: ['CREDIT_CARD'],
    },
    { name: 'a type that is absent', params: { entities: ['IBAN_CODE', 'US_SSN'] }, evidence: [] },
  ])('reads $name', ({ params, evidence }) => {
    const result = pii(params).evaluate(routerRequest(CONVERSATION));
    expect(result).toMatchObject({ matched: evidence.length > 0, evidence });
  });

  it('reports spans as offsets into the scope text, and never the values', () => {
    const request = routerRequest(CONVERSATION);
    const result = pii({ scope: 'user' }).evaluate(request);
    const text = request.text('user');
    expect(result).toMatchObject({ matched: true, confidence: 0.95, value: 3 });
    const spans = 'spans' in result ? (result.spans ?? []) : [];
    expect(spans.map((s) => text.slice(s.start, s.end))).toEqual([
      '4111 1111 1111 1111',
      '+1 415 555 0132',
      'jane@example.org',
    ]);
    expect(JSON.stringify('evidence' in result ? result.evidence : [])).not.toContain('@');
  });

  it('applies minConfidence to each span', () => {
    const request = routerRequest('Desk 55 012 345, mail a@example.com');
    expect(pii({ minConfidence: 0.5 }).evaluate(request)).toMatchObject({
      evidence: ['PHONE_NUMBER', 'EMAIL_ADDRESS'],
    });
    expect(pii({ minConfidence: 0.85 }).evaluate(request)).toMatchObject({ evidence: ['EMAIL_ADDRESS'] });
    expect(pii({ minConfidence: 0.95 }).evaluate(request)).toEqual({
      matched: false,
      confidence: 0,
      evidence: [],
      value: 0,
    });
  });

  it('scans each message once per request, whatever the number of signals and scopes', () => {
    const request = routerRequest(CONVERSATION);
    vi.mocked(detectPii).mockClear();
    pii().evaluate(request);
    pii({ entities: ['EMAIL_ADDRESS'] }).evaluate(request);
    pii({ scope: 'user' }).evaluate(request);
    pii({ scope: 'conversation' }).evaluate(request);
    expect(vi.mocked(detectPii)).toHaveBeenCalledTimes(CONVERSATION.length);
  });

  it.each([
    { a: { scope: 'last-user' }, b: { scope: 'conversation' }, relation: 'implies' },
    { a: { scope: 'conversation' }, b: { scope: 'last-user' }, relation: 'unknown' },
    { a: { entities: ['US_SSN'] }, b: {}, relation: 'implies' },
    { a: {}, b: { entities: ['US_SSN'] }, relation: 'unknown' },
    { a: { minConfidence: 0.9 }, b: { minConfidence: 0.5 }, relation: 'implies' },
    { a: { minConfidence: 0.5 }, b: { minConfidence: 0.9 }, relation: 'unknown' },
  ])('relates $a to $b: $relation', ({ a, b, relation }) => {
    const parse = (p: object) => piiSignal.params.parse(p) as Record<string, unknown>;
    expect(piiSignal.relate?.(parse(a), parse(b))).toBe(relation);
  });
});
