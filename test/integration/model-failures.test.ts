import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelLibrary } from '../../src/models/model-library.ts';
import { defaultModelLoaders } from '../../src/models/shared-model-library.ts';
import { capturingLogger, expectRouteTo, type Harness, startHarness } from './harness.ts';

/** A head folder whose model file is garbage, and one whose model file is missing. */
const broken = mkdtempSync(path.join(tmpdir(), 'router-broken-models-'));
const corrupt = path.join(broken, 'corrupt');
const missing = path.join(broken, 'missing');

const POLICY = `apiVersion: semantic-router.io/v1
kind: RoutingPolicy
models:
  - { name: small, endpoint: { cluster: small } }
  - { name: large, endpoint: { cluster: large } }
signals:
  - { type: keyword, name: code, words: [python] }
  - { type: domain, name: math, labels: [math], model: ${JSON.stringify(corrupt)} }
  - { type: jailbreak, name: attack, model: ${JSON.stringify(missing)}, labels: [jailbreak], threshold: 0.5 }
decisions:
  - { name: attack, priority: 30, when: jailbreak:attack, models: [small] }
  - { name: math, priority: 20, when: domain:math, models: [large] }
  - { name: code, priority: 10, when: keyword:code, models: [large] }
defaultDecision:
  models: [small]
`;

let h: Harness;
const { logger, lines: logLines } = capturingLogger();

beforeAll(async () => {
  mkdirSync(corrupt, { recursive: true });
  writeFileSync(path.join(corrupt, 'head.onnx'), 'this is not an onnx model');
  writeFileSync(path.join(corrupt, 'card.json'), JSON.stringify({ labels: ['math', 'law'] }));
  h = await startHarness(POLICY, { models: new ModelLibrary(defaultModelLoaders), logger });
});
afterAll(() => h.close());

describe('a model file that is missing or corrupt', () => {
  it('is reported at start with the file and the reason, and counted as a degradation', async () => {
    const errors = logLines.filter((line) => line.msg?.toString().startsWith('model unavailable'));
    expect(errors.map((line) => line.model)).toEqual(
      expect.arrayContaining([`classifier ${corrupt}`, `classifier ${missing}`]),
    );
    expect(errors.every((line) => typeof line.reason === 'string' && line.reason.length > 0)).toBe(true);
    expect(await h.metric('semantic_router_degradations_total', { kind: 'model_unavailable' })).toBe(2);
  });

  it('leaves the router serving keyword routes', async () => {
    expectRouteTo(await h.chat('write python to sort a list'), 'large', { decision: 'code' });
  });

  it('makes the signals that need it not match, so other prompts go to the default', async () => {
    expectRouteTo(await h.chat('What is the integral of x squared?'), 'small', { decision: 'default' });
    expect(await h.metric('semantic_router_degradations_total', { kind: 'signal_error' })).toBeGreaterThan(0);
  });

  it('shows in /readyz as degraded, naming each model and why, without host paths', async () => {
    const response = await fetch(`${h.adminUrl}/readyz`);
    expect(response.status).toBe(200);
    const ready = (await response.json()) as { status: string; degraded: unknown[] };
    expect(ready.status).toBe('degraded');
    expect(ready.degraded).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'model_unavailable', subject: 'classifier corrupt' }),
        expect.objectContaining({ kind: 'model_unavailable', subject: 'classifier missing' }),
      ]),
    );
    expect(JSON.stringify(ready)).not.toContain(broken);
    expect((await fetch(`${h.adminUrl}/readyz?strict`)).status).toBe(503);
  });
});
