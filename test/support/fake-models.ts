import { basename } from 'node:path';
import { type Embedder, normalize, type TextEncoding } from '../../src/models/embedder.ts';
import type {
  ClassifierInput,
  TextClassification,
  TextClassifier,
} from '../../src/models/heads/text-classifier.ts';
import { ModelLibrary, type ModelLoaders } from '../../src/models/model-library.ts';
import { STATIC_ENCODER_NAME } from '../../src/models/static-encoder/static-encoder-files.ts';
import { DOMAIN_LABELS } from '../../src/signals/domain.ts';
import type { SignalContext } from '../../src/signals/signal.ts';

function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** A deterministic pseudo-random unit-ish vector per word (xorshift seeded by the word's hash). */
function wordVector(word: string, dimensions: number): Float32Array {
  const vector = new Float32Array(dimensions);
  let state = hash(word) || 1;
  for (let i = 0; i < dimensions; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    vector[i] = ((state >>> 0) / 0xffffffff) * 2 - 1;
  }
  return vector;
}

/**
 * A deterministic bag-of-words embedder for unit tests: texts sharing words get similar vectors,
 * texts sharing none are nearly orthogonal. Counts its calls so tests can check embed-once.
 */
export class FakeEmbedder implements Embedder {
  readonly id: string;
  calls = 0;
  texts = 0;
  constructor(
    readonly dimensions = 64,
    name = STATIC_ENCODER_NAME,
  ) {
    this.id = `${name}@fake`;
  }
  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    this.calls++;
    this.texts += texts.length;
    return texts.map((text) => {
      const sum = new Float32Array(this.dimensions);
      for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
        const vector = wordVector(word, this.dimensions);
        for (let i = 0; i < sum.length; i++) sum[i] = (sum[i] as number) + (vector[i] as number);
      }
      return normalize(sum);
    });
  }
}

/** The fake embedder plus token pooling (max and min of the word vectors), as encoders with `encode` give. */
export class PoolingFakeEmbedder extends FakeEmbedder {
  /** Calls of `encode` (its own word lookups go through `embed`, so `calls` counts more). */
  encodes = 0;
  async encode(texts: readonly string[]): Promise<TextEncoding[]> {
    this.encodes++;
    const sentences = await this.embed(texts);
    return Promise.all(
      texts.map(async (text, i) => {
        const words = await this.embed(text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);
        const max = new Float32Array(this.dimensions).fill(words.length > 0 ? -1 : 0);
        const min = new Float32Array(this.dimensions).fill(words.length > 0 ? 1 : 0);
        for (const word of words)
          for (let d = 0; d < this.dimensions; d++) {
            max[d] = Math.max(max[d] as number, word[d] as number);
            min[d] = Math.min(min[d] as number, word[d] as number);
          }
        return { embedding: sentences[i] as Float32Array, tokenMax: max, tokenMin: min };
      }),
    );
  }
}

/** A classifier that gives `label` probability 0.9 when the text contains one of its cue words. */
export class FakeClassifier implements TextClassifier {
  readonly id: string;
  readonly encoderName = STATIC_ENCODER_NAME;
  readsTokenPooling = false;
  calls = 0;
  /** The inputs of the last call, so tests can see what a head was given. */
  lastInputs: readonly ClassifierInput[] = [];
  constructor(
    name: string,
    readonly labels: readonly string[],
    private readonly cues: Record<string, readonly string[]>,
    private readonly fallback: string,
  ) {
    this.id = `${name}@fake`;
  }
  async classify(inputs: readonly ClassifierInput[]): Promise<TextClassification[]> {
    this.calls++;
    this.lastInputs = inputs;
    return inputs.map(({ text }) => {
      const lower = text.toLowerCase();
      const label =
        this.labels.find((candidate) => this.cues[candidate]?.some((cue) => lower.includes(cue))) ??
        this.fallback;
      const rest = (1 - 0.9) / (this.labels.length - 1);
      const scores = Object.fromEntries(this.labels.map((l) => [l, l === label ? 0.9 : rest]));
      return { label, score: 0.9, scores };
    });
  }
}

const fakeDomainClassifier = () =>
  new FakeClassifier(
    'domain',
    DOMAIN_LABELS,
    {
      math: ['integral', 'equation', 'derivative'],
      'computer science': ['python', 'algorithm', 'compile'],
      law: ['contract', 'court'],
    },
    'other',
  );

export const fakeJailbreakClassifier = () =>
  new FakeClassifier(
    'jailbreak',
    ['benign', 'harmful', 'injection', 'jailbreak'],
    {
      injection: ['ignore all previous instructions'],
      jailbreak: ['you are dan'],
      harmful: ['build a bomb'],
    },
    'benign',
  );

/**
 * A fake quality head (sigmoid: each model scored on its own): `thinker` and `qwen2.5-72b-instruct`
 * answer 0.8 of prompts well, `small` and `llama-3.1-8b-instruct` 0.6, and every model 0.95 of
 * prompts that say "easy".
 */
export const fakeQualityClassifier = (): TextClassifier => ({
  id: 'selection@fake',
  labels: ['llama-3.1-8b-instruct', 'qwen2.5-72b-instruct', 'small', 'thinker'],
  encoderName: STATIC_ENCODER_NAME,
  readsTokenPooling: false,
  async classify(inputs) {
    return inputs.map(({ text }) => {
      const easy = text.toLowerCase().includes('easy');
      const scores = {
        'llama-3.1-8b-instruct': easy ? 0.95 : 0.6,
        'qwen2.5-72b-instruct': easy ? 0.95 : 0.8,
        small: easy ? 0.95 : 0.6,
        thinker: easy ? 0.95 : 0.8,
      };
      return { label: 'thinker', score: scores.thinker, scores };
    });
  },
});

/** Fake loaders: the fake embedder as the embedded encoder, fake heads by folder name. */
export function fakeModelLoaders(
  overrides: Partial<ModelLoaders> = {},
  embedder = new FakeEmbedder(),
): ModelLoaders {
  const heads: Record<string, () => TextClassifier> = {
    domain: fakeDomainClassifier,
    jailbreak: fakeJailbreakClassifier,
    selection: fakeQualityClassifier,
  };
  return {
    staticEncoder: async () => embedder,
    transformerEncoder: async (options) => new FakeEmbedder(32, options.name ?? 'user-encoder'),
    classifier: async (directory) => {
      const make = heads[basename(directory)];
      if (!make) throw new Error(`no fake head for ${directory}`);
      return make();
    },
    ...overrides,
  };
}

export function fakeModelLibrary(
  overrides: Partial<ModelLoaders> = {},
  embedder?: FakeEmbedder,
): ModelLibrary {
  return new ModelLibrary(fakeModelLoaders(overrides, embedder));
}

/** A signal context over fake models, for building signals directly in unit tests. */
export function testSignalContext(models: ModelLibrary = fakeModelLibrary()): SignalContext {
  return { models, encoder: () => models.staticEncoder(), resolvePath: (path) => path };
}
