import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelLibrary } from '../../src/models/model-library.ts';
import { defaultModelLoaders } from '../../src/models/shared-model-library.ts';
import { writeTinyEncoder } from '../../src/models/transformer-encoder/tiny-encoder.ts';
import { expectRouteTo, type Harness, startHarness } from './harness.ts';

// A policy that routes on similarity under an encoder the user provides: the project's tiny
// BERT-style encoder, generated into the policy's folder and named by relative paths.
function policy(encoderDir: string): string {
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
signals:
  - type: embedding
    name: recipes
    exemplars: [bake bread with flour and butter, a soup recipe for dinner, how to cook pasta sauce]
    threshold: 0.75
  - type: embedding
    name: programming
    exemplars: [debug this python function, fix the sql query error, compile the java program]
    threshold: 0.7
decisions:
  - { name: recipes, priority: 2, when: embedding:recipes, models: [cook] }
  - { name: programming, priority: 1, when: embedding:programming, models: [coder] }
defaultDecision:
  models: [general]
`;
}

let h: Harness;
beforeAll(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'user-encoder-'));
  writeTinyEncoder(path.join(dir, 'tiny'));
  h = await startHarness(policy(path.join(dir, 'tiny')), { models: new ModelLibrary(defaultModelLoaders) });
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

  it('leaves an unrelated prompt to the default', async () => {
    expectRouteTo(await h.chat('book a flight and hotel for my island holiday'), 'general', {
      decision: 'default',
    });
  });
});
