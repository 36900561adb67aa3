import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeEmbedder, fakeModelLoaders } from '../../test/support/fake-models.ts';
import { ModelLibrary } from './model-library.ts';

describe('ModelLibrary', () => {
  it('loads a model once and hands every caller the same handle', async () => {
    let loads = 0;
    const library = new ModelLibrary(
      fakeModelLoaders({
        staticEncoder: async () => {
          loads++;
          return new FakeEmbedder();
        },
      }),
    );
    const a = library.staticEncoder();
    const b = library.staticEncoder();
    expect(a).toBe(b);
    expect(await a.get()).toBe(await b.get());
    expect(loads).toBe(1);
    expect(a.state()).toBe('ready');
  });

  it('keeps a failure: every get() rejects with the load error, and settled() lists it', async () => {
    const library = new ModelLibrary(
      fakeModelLoaders({
        staticEncoder: async () => {
          throw new Error('encoder.onnx: not found');
        },
      }),
    );
    const handle = library.staticEncoder();
    await expect(handle.get()).rejects.toThrow('encoder.onnx: not found');
    await expect(handle.get()).rejects.toThrow('encoder.onnx: not found');
    expect(await library.settled()).toEqual([handle]);
    expect(handle.state()).toBe('failed');
    expect(handle.error()?.message).toBe('encoder.onnx: not found');
  });

  it('loads a head again once its files change, and not before', () => {
    const domain = join(mkdtempSync(join(tmpdir(), 'library-')), 'domain');
    mkdirSync(domain);
    writeFileSync(join(domain, 'head.onnx'), 'v1');
    const library = new ModelLibrary(fakeModelLoaders());
    const first = library.classifier(domain);
    expect(library.classifier(domain)).toBe(first);
    writeFileSync(join(domain, 'head.onnx'), 'version 2');
    const second = library.classifier(domain);
    expect(second).not.toBe(first);
    // Only the current version is kept: the first model can be released.
    expect(library.handles()).toEqual([second]);
  });

  it('lists the loaded encoders and heads apart, leaving out failed ones', async () => {
    const library = new ModelLibrary(
      fakeModelLoaders({
        classifier: async (directory) => {
          throw new Error(`${directory}: no head`);
        },
      }),
    );
    const encoder = await library.staticEncoder().get();
    await library
      .classifier('missing')
      .get()
      .catch(() => {});
    expect(await library.ready()).toEqual({ encoders: [encoder], classifiers: [] });
    const withHeads = new ModelLibrary(fakeModelLoaders());
    const domain = await withHeads.classifier('domain').get();
    expect(await withHeads.ready()).toEqual({ encoders: [], classifiers: [domain] });
  });

  it('settles models asked for while it waits, as a head asks for its encoder once read', async () => {
    const library: ModelLibrary = new ModelLibrary(
      fakeModelLoaders({
        staticEncoder: async () => {
          throw new Error('encoder.onnx: not found');
        },
      }),
    );
    void library
      .classifier('domain')
      .get()
      .then(() => library.staticEncoder());
    const failed = await library.settled();
    expect(failed.map((handle) => handle.description)).toEqual(['encoder glove-sif-100d (embedded)']);
  });
});
