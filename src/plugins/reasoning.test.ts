import { describe, expect, it } from 'vitest';
import { routerRequest } from '../../test/support/requests.ts';
import { emptyPlan } from './plugin.ts';
import { reasoningPlugin } from './reasoning.ts';

function planFor(params: Record<string, unknown>) {
  const plan = emptyPlan();
  reasoningPlugin
    .create(reasoningPlugin.params.parse(params) as Record<string, unknown>)
    .apply(plan, routerRequest('what is 17 * 23?'));
  return plan;
}

describe('reasoning plugin', () => {
  it('records the intent in the plan, with medium effort by default', () => {
    expect(planFor({ enabled: true }).reasoning).toEqual({ enabled: true, effort: 'medium' });
    expect(planFor({ enabled: true, effort: 'high' }).reasoning).toEqual({ enabled: true, effort: 'high' });
    expect(planFor({ enabled: false }).reasoning).toEqual({ enabled: false, effort: 'medium' });
  });

  it('requires enabled and accepts only low, medium and high', () => {
    expect(reasoningPlugin.params.safeParse({}).success).toBe(false);
    expect(reasoningPlugin.params.safeParse({ enabled: true, effort: 'minimal' }).success).toBe(false);
  });
});
