import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeEmbedder } from '../../test/support/fake-models.ts';
import { writeTopicData } from '../../test/support/topic-data.ts';
import { loadTextClassifier } from '../models/heads/load-text-classifier.ts';
import { trainTask } from './head-tasks.ts';

const dataFile = () => writeTopicData(mkdtempSync(join(tmpdir(), 'custom-head-')));

describe('trainTask (custom data)', () => {
  it.each([1, 3])('writes a head the router loads, with %i model(s) behind it', async (folds) => {
    const out = mkdtempSync(join(tmpdir(), 'custom-head-out-'));
    const { card } = await trainTask({
      task: 'custom',
      files: [dataFile()],
      out,
      seed: 1,
      encoder: new FakeEmbedder(16),
      name: 'topics',
      folds,
    });
    const head = await loadTextClassifier(out);
    expect(head.id).toMatch(/^topics@/);
    expect(card.training.models).toHaveLength(folds);
    const [cooking, code] = await head.classify(
      await Promise.all(
        ['how long should I bake bread with flour', 'my python function has a bug'].map(async (text) => ({
          text,
          embedding: (await new FakeEmbedder(16).embed([text]))[0] as Float32Array,
        })),
      ),
    );
    expect(cooking?.label).toBe('cooking');
    expect(code?.label).toBe('code');
  });
});
