import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelLibrary } from '../../src/models/model-library.ts';
import { defaultModelLoaders } from '../../src/models/shared-model-library.ts';
import { loadPolicyEncoder } from '../../src/policy/load.ts';
import { builtinRegistry } from '../../src/registry.ts';
import { trainTask } from '../../src/training/head-tasks.ts';
import { writeTinyEncoder } from '../support/tiny-encoder/tiny-encoder.ts';
import { writeTopicData } from '../support/topic-data.ts';
import { expectRouteTo, type Harness, startHarness } from './harness.ts';

// A policy that routes under an encoder the user provides (the project's tiny BERT-style encoder):
// by similarity to exemplars, and by a head trained over that encoder (`train --policy`).
function policy(encoderDir: string, headDir: string): string {
  return `apiVersion: semantic-router.io/v1
kind: RoutingPolicy
encoder:
  type: onnx
  model: ${encoderDir}/model.onnx
  tokenizer: ${encoderDir}/tokenizer.json
  pooling: mean
  maxTokens: 64
  name: tiny-bert
models:
  - { name: cook, endpoint: { cluster: cook } }
  - { name: coder, endpoint: { cluster: coder } }
  - { name: general, endpoint: { cluster: general } }
  - { name: guide, endpoint: { cluster: guide } }
signals:
  - type: embedding
    name: recipes
    exemplars: [bake bread with flour and butter, a soup recipe for dinner, how to cook pasta sauce]
    threshold: 0.75
  - type: embedding
    name: programming
    exemplars: [debug this python function, fix the sql query error, compile the java program]
    threshold: 0.7
  - { type: domain, name: travel, model: ${headDir}, labels: [travel], minConfidence: 0.5 }
decisions:
  - { name: travel, priority: 3, when: domain:travel, models: [guide] }
  - { name: recipes, priority: 2, when: embedding:recipes, models: [cook] }
  - { name: programming, priority: 1, when: embedding:programming, models: [coder] }
defaultDecision:
  models: [general]
`;
}

let h: Harness;
let encoderId: string;
beforeAll(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'user-encoder-'));
  writeTinyEncoder(path.join(dir, 'tiny'));
  const text = policy(path.join(dir, 'tiny'), path.join(dir, 'travel-head'));
  const policyFile = path.join(dir, 'policy.yaml');
  writeFileSync(policyFile, text);
  const encoder = await loadPolicyEncoder(policyFile, builtinRegistry, new ModelLibrary(defaultModelLoaders));
  encoderId = encoder.id;
  await trainTask({
    task: 'custom',
    files: [writeTopicData(dir)],
    out: path.join(dir, 'travel-head'),
    seed: 1,
    encoder,
    name: 'topics',
    inputs: 'sentence',
  });
  h = await startHarness(text, { models: new ModelLibrary(defaultModelLoaders) });
});
afterAll(() => h.close());

describe('a policy with a user-provided ONNX encoder', () => {
  it('routes a cooking question by similarity to the recipe exemplars', async () => {
    const result = await h.chat('what cake recipe needs sugar, egg and oven time');
    expectRouteTo(result, 'cook', { decision: 'recipes' });
    expect(result.forwarded?.headers['x-router-reason']).toContain('embedding:recipes');
  });

  it('routes a programming question to the coder', async () => {
    expectRouteTo(await h.chat('write a python function to parse a string'), 'coder', {
      decision: 'programming',
    });
  });

  it('routes a travel question by the head trained over the same encoder', async () => {
    expect(encoderId).toMatch(/^tiny-bert@/);
    const result = await h.chat('book a flight and hotel for my island holiday');
    expectRouteTo(result, 'guide', { decision: 'travel' });
    expect(result.forwarded?.headers['x-router-reason']).toContain('domain:travel');
  });

  it('leaves an unrelated prompt to the default', async () => {
    expectRouteTo(await h.chat('what is the weather like tomorrow'), 'general', { decision: 'default' });
  });

  it('reports no model failure or signal error', async () => {
    expect(await h.metric('semantic_router_degradations_total', { kind: 'model_unavailable' })).toBe(0);
    expect(await h.metric('semantic_router_degradations_total', { kind: 'signal_error' })).toBe(0);
  });
});
