import { describe, expect, it } from 'vitest';
import { modelId, modelName } from './model-id.ts';

describe('model ids', () => {
  it('name a build by its name and the start of its digest, and give the name back', () => {
    const id = modelId('glove-sif-100d', 'a1b2c3d4e5f6a7b8c9d0');
    expect(id).toBe('glove-sif-100d@a1b2c3d4e5f6');
    expect(modelName(id)).toBe('glove-sif-100d');
  });

  it('keeps a name that contains @ whole, and takes an id without a digest as a name', () => {
    expect(modelName(modelId('team@encoder', 'ffff'))).toBe('team@encoder');
    expect(modelName('user-encoder')).toBe('user-encoder');
  });
});
