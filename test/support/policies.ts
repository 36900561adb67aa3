import { loadPolicyText } from '../../src/policy/load.ts';
import type { RuntimePolicy } from '../../src/policy/runtime-policy.ts';
import { builtinRegistry } from '../../src/registry.ts';

/** Two models, the shape most tests need; `body` is appended (signals, decisions, defaultDecision...). */
const POLICY_HEAD = `apiVersion: semantic-router.io/v1
kind: RoutingPolicy
models:
  - name: small
    endpoint: { cluster: small_cluster }
    contextWindow: 1000
  - name: large
    endpoint: { cluster: large_cluster }
    contextWindow: 100000
`;

export const DEFAULT_SMALL = `defaultDecision:
  models: [small]
`;

/** Compiles a test policy made of POLICY_HEAD + body with the built-in registry. */
export function testPolicy(body: string, source = 'test.yaml'): RuntimePolicy {
  return loadPolicyText(POLICY_HEAD + body, builtinRegistry, source);
}
