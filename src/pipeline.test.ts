import { describe, expect, it } from 'vitest';
import { routerRequest } from '../test/support/requests.ts';
import { type PipelineObserver, type RouteOutcome, route } from './pipeline.ts';
import { loadPolicyText } from './policy/load.ts';
import { builtinRegistry } from './registry.ts';

const POLICY = `apiVersion: semantic-router.io/v1
kind: RoutingPolicy
models:
  - { name: cloud, endpoint: { cluster: cloud } }
  - { name: onprem, endpoint: { cluster: onprem }, private: true }
  - { name: onprem-big, endpoint: { cluster: onprem_big }, private: true }
signals:
  - { type: keyword, name: public-only, words: [weather] }
decisions:
  - name: public-only
    when: keyword:public-only
    models: [cloud]
    plugins: [{ type: pii, action: private }]
defaultDecision:
  models: [cloud, onprem, onprem-big]
  plugins: [{ type: pii, action: private }]
`;

const SILENT: PipelineObserver = { stageFinished() {}, signalEvaluated() {}, degraded() {} };
const policy = loadPolicyText(POLICY, builtinRegistry, 'test.yaml');

function routed(outcome: RouteOutcome) {
  return outcome.kind === 'route' ? { model: outcome.model.name, reason: outcome.reason } : outcome;
}

describe('route with a pii plugin restricting to private models', () => {
  it('routes a clean request as usual', async () => {
    expect(routed(await route(routerRequest('hello there'), policy, SILENT))).toMatchObject({
      model: 'cloud',
    });
  });

  it('chooses the first private candidate when the request has personal data', async () => {
    const outcome = await route(routerRequest('my email is jane@example.com'), policy, SILENT);
    expect(routed(outcome)).toEqual({
      model: 'onprem',
      reason: ['no decision matched', 'private models only'],
    });
  });

  it.each([
    { requested: 'cloud', model: 'onprem' },
    { requested: 'onprem-big', model: 'onprem-big' },
  ])('honours a requested model only if it is private: $requested', async ({ requested, model }) => {
    const request = routerRequest('my email is jane@example.com', { model: requested });
    expect(routed(await route(request, policy, SILENT))).toMatchObject({ model });
  });

  it('rejects with 403 no_private_model when the decision has no private candidate', async () => {
    const outcome = await route(routerRequest('weather for jane@example.com'), policy, SILENT);
    expect(outcome).toMatchObject({
      kind: 'reject',
      status: 403,
      code: 'no_private_model',
      decision: 'public-only',
    });
  });
});
