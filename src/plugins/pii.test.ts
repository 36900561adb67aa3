import { describe, expect, it } from 'vitest';
import { routerRequest } from '../../test/support/requests.ts';
import { piiPlugin } from './pii.ts';
import { emptyPlan } from './plugin.ts';

function apply(params: Record<string, unknown>, messages: { role: string; content: unknown }[]) {
  const parsed = piiPlugin.params.parse(params) as Record<string, unknown>;
  expect(piiPlugin.validate?.(parsed) ?? []).toEqual([]);
  const plan = emptyPlan();
  piiPlugin.create(parsed).apply(plan, routerRequest(messages));
  return plan;
}

const WITH_EMAIL = [{ role: 'user', content: 'reach me at jane@example.com' }];
const CLEAN = [{ role: 'user', content: 'what is 2 + 2?' }];

describe('pii plugin', () => {
  it('blocks with 403 pii_detected, naming the types and not the values', () => {
    const plan = apply({ action: 'block' }, WITH_EMAIL);
    expect(plan.reject).toMatchObject({ status: 403, code: 'pii_detected' });
    expect(plan.reject?.message).toContain('EMAIL_ADDRESS');
    expect(plan.reject?.message).not.toContain('jane');
  });

  it('blocks with the configured status and message', () => {
    const plan = apply({ action: 'block', status: 451, message: 'No personal data, please.' }, WITH_EMAIL);
    expect(plan.reject).toEqual({ status: 451, code: 'pii_detected', message: 'No personal data, please.' });
  });

  it.each([
    { name: 'a clean request', params: { action: 'block' }, messages: CLEAN },
    {
      name: 'types it does not act on',
      params: { action: 'block', entities: ['US_SSN'] },
      messages: WITH_EMAIL,
    },
    {
      name: 'scores under its threshold',
      params: { action: 'block', minConfidence: 0.99 },
      messages: WITH_EMAIL,
    },
    { name: 'a clean request (redact)', params: { action: 'redact' }, messages: CLEAN },
    { name: 'a clean request (private)', params: { action: 'private' }, messages: CLEAN },
  ])('leaves the plan alone for $name', ({ params, messages }) => {
    expect(apply(params, messages)).toEqual(emptyPlan());
  });

  it('blocks on personal data in any message, assistant turns included', () => {
    const plan = apply({ action: 'block' }, [
      { role: 'assistant', content: 'I noted 536-90-4399 as your SSN.' },
      { role: 'user', content: 'thanks' },
    ]);
    expect(plan.reject?.message).toContain('US_SSN');
  });

  it('redacts in user, system, developer and tool messages, by message index', () => {
    const plan = apply({ action: 'redact' }, [
      { role: 'system', content: 'ops: ops@example.com' },
      { role: 'assistant', content: 'call +1 415 555 0132' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'card' },
          { type: 'text', text: '4111 1111 1111 1111' },
        ],
      },
      { role: 'tool', content: 'ip 10.0.0.7' },
    ]);
    expect([...(plan.redactions ?? new Map()).entries()]).toEqual([
      [0, [expect.objectContaining({ type: 'EMAIL_ADDRESS', start: 5, end: 20 })]],
      [2, [expect.objectContaining({ type: 'CREDIT_CARD', start: 5, end: 24 })]],
      [3, [expect.objectContaining({ type: 'IP_ADDRESS', start: 3, end: 11 })]],
    ]);
    expect(plan.reject).toBeUndefined();
  });

  it('merges redactions of two plugins without overlaps', () => {
    const parsed = (p: object) => piiPlugin.params.parse(p) as Record<string, unknown>;
    const request = routerRequest([{ role: 'user', content: 'a@example.com and 536-90-4399' }]);
    const plan = emptyPlan();
    piiPlugin.create(parsed({ action: 'redact', entities: ['US_SSN'] })).apply(plan, request);
    piiPlugin.create(parsed({ action: 'redact' })).apply(plan, request);
    expect(plan.redactions?.get(0)?.map((s) => s.type)).toEqual(['EMAIL_ADDRESS', 'US_SSN']);
  });

  it('restricts the request to private models', () => {
    expect(apply({ action: 'private' }, WITH_EMAIL)).toMatchObject({ privateOnly: true });
  });

  it('refuses status and message outside block', () => {
    const params = piiPlugin.params.parse({ action: 'redact', status: 400, message: 'x' }) as Record<
      string,
      unknown
    >;
    expect(piiPlugin.validate?.(params)).toEqual([
      'status applies only to action: block',
      'message applies only to action: block',
    ]);
    expect(piiPlugin.params.safeParse({ action: 'mask' }).success).toBe(false);
  });
});
