import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embedderContract } from '../../../test/contracts/embedder.contract.ts';
import { type TinyEncoderFiles, writeTinyEncoder } from '../../../test/support/tiny-encoder/tiny-encoder.ts';
import { cosine } from '../embedder.ts';
import { fileSha256, ModelLoadError } from '../model-files.ts';
import { encodeOnnxModel, type OnnxGraphSpec } from '../onnx/onnx-graph.ts';
import { loadTextTokenizer } from './text-tokenizer.ts';
import { TransformerEncoder } from './transformer-encoder.ts';

const directory = mkdtempSync(join(tmpdir(), 'transformer-encoder-'));
const tokens: TinyEncoderFiles = writeTinyEncoder(join(directory, 'tokens'));
const pooled: TinyEncoderFiles = writeTinyEncoder(join(directory, 'pooled'), {
  variant: 'sentence-embedding',
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** A model over the tiny vocabulary: `input_ids` plus `extraInput`, one float output of `outputShape`. */
function oddModel(file: string, extraInput: string | undefined, outputShape: 'rank-1' | 'rank-3'): string {
  const inputs: OnnxGraphSpec['inputs'][number][] = [
    { name: 'input_ids', type: 'int64', shape: ['batch', 'tokens'] },
  ];
  if (extraInput) inputs.push({ name: extraInput, type: 'int64', shape: ['batch', 'tokens'] });
  const table = {
    name: 'table',
    type: 'float32' as const,
    dims: [2000, 4],
    data: new Float32Array(8000).fill(0.5),
  };
  const flat = { name: 'flat', type: 'int64' as const, dims: [1], data: BigInt64Array.from([-1n]) };
  const nodes: OnnxGraphSpec['nodes'][number][] =
    outputShape === 'rank-3'
      ? [{ op: 'Gather', inputs: ['table', 'input_ids'], outputs: ['hidden'] }]
      : [
          { op: 'Cast', inputs: ['input_ids'], outputs: ['ids'], attributes: { to: 1 } },
          { op: 'Reshape', inputs: ['ids', 'flat'], outputs: ['hidden'] },
        ];
  const spec: OnnxGraphSpec = {
    name: 'odd',
    inputs,
    outputs: [
      { name: 'hidden', type: 'float32', shape: outputShape === 'rank-3' ? ['batch', 'tokens', 4] : ['n'] },
    ],
    nodes,
    initializers: [table, flat],
  };
  writeFileSync(file, encodeOnnxModel(spec));
  return file;
}

embedderContract('transformer encoder (tiny, last_hidden_state, mean)', () =>
  TransformerEncoder.load(tokens),
);
embedderContract('transformer encoder (tiny, sentence_embedding)', () => TransformerEncoder.load(pooled));

describe('TransformerEncoder', () => {
  let encoder: TransformerEncoder;
  beforeAll(async () => {
    encoder = await TransformerEncoder.load(tokens);
  });

  it('discovers the hidden size and pools the token output by mask-aware mean', () => {
    expect(encoder.dimensions).toBe(32);
    expect(encoder.output).toBe('last_hidden_state');
    expect(encoder.pooling).toBe('mean');
  });

  it('names itself by file stem or name, and the model file digest', async () => {
    const digest = fileSha256(tokens.model).slice(0, 12);
    expect(encoder.id).toBe(`model@${digest}`);
    const named = await TransformerEncoder.load({ ...tokens, name: 'tiny-bert' });
    expect(named.id).toBe(`tiny-bert@${digest}`);
  });

  it('embeds a text alone as it does in a batch with longer and shorter texts', async () => {
    const text = 'Fix the python bug in this function';
    const [alone] = await encoder.embed([text]);
    const batch = await encoder.embed([
      'hi',
      text,
      `a much longer question about ${'databases '.repeat(40)}`,
    ]);
    const inBatch = batch[1] as Float32Array;
    expect(
      Math.max(...(alone as Float32Array).map((value, d) => Math.abs(value - (inBatch[d] as number)))),
    ).toBeLessThan(1e-5);
  });

  it('embeds more texts than one run takes, in order', async () => {
    const texts = Array.from(
      { length: 70 },
      (_, i) => `question number ${i} about ${i % 2 ? 'math' : 'code'}`,
    );
    const all = await encoder.embed(texts);
    const last = await encoder.embed([texts[69] as string]);
    expect(all).toHaveLength(70);
    expect(cosine(all[69] as Float32Array, last[0] as Float32Array)).toBeCloseTo(1, 5);
  });

  it('truncates texts to maxTokens, keeping the special tokens', async () => {
    const tokenizer = loadTextTokenizer(tokens.tokenizer);
    const long = 'write a python function that sorts a list of numbers';
    expect(tokenizer.encode(long, 256).ids.length).toBeGreaterThan(6);
    const truncatedIds = tokenizer.encode(long, 6).ids;
    expect(truncatedIds).toEqual(tokenizer.encode('write a python function', 256).ids);
    expect([truncatedIds.length, truncatedIds[0], truncatedIds.at(-1)]).toEqual([6, 2, 3]);
    const short = await TransformerEncoder.load({ ...tokens, maxTokens: 6 });
    const [truncated, prefix] = await short.embed([long, 'write a python function']);
    expect(cosine(truncated as Float32Array, prefix as Float32Array)).toBeCloseTo(1, 5);
    const [full] = await encoder.embed([long]);
    expect(cosine(truncated as Float32Array, full as Float32Array)).toBeLessThan(0.9999);
  });

  it('pools the first token with cls, which differs from the mean', async () => {
    const cls = await TransformerEncoder.load({ ...tokens, pooling: 'cls' });
    expect(cls.pooling).toBe('cls');
    const text = 'integrate x squared over the unit interval';
    const [first] = await cls.embed([text]);
    const [mean] = await encoder.embed([text]);
    expect(cosine(first as Float32Array, mean as Float32Array)).toBeLessThan(0.99);
  });

  it('places texts about one topic closer than texts about different topics', async () => {
    const [code, moreCode, food] = await encoder.embed([
      'debug this javascript error',
      'refactor the python function',
      'a recipe for bread with butter',
    ]);
    const same = cosine(code as Float32Array, moreCode as Float32Array);
    expect(same).toBeGreaterThan(cosine(code as Float32Array, food as Float32Array));
  });

  it('reads a sentence_embedding output as is, without token_type_ids', async () => {
    const model = await TransformerEncoder.load({ ...pooled, pooling: 'cls' });
    expect(model).toMatchObject({ output: 'sentence_embedding', pooling: 'model', dimensions: 24 });
    const [vector] = await model.embed(['hello world']);
    expect(vector).toHaveLength(24);
  });

  it.each([
    {
      name: 'a missing model file',
      options: () => ({ ...tokens, model: join(directory, 'absent.onnx') }),
      message: /absent\.onnx: not found/,
    },
    {
      name: 'a missing tokenizer file',
      options: () => ({ ...tokens, tokenizer: join(directory, 'absent.json') }),
      message: /absent\.json: tokenizer not found/,
    },
    {
      name: 'corrupt model bytes',
      options: () => {
        const file = join(directory, 'corrupt.onnx');
        writeFileSync(file, 'this is not a protobuf model');
        return { ...tokens, model: file };
      },
      message: /corrupt\.onnx: not a loadable ONNX model/,
    },
    {
      name: 'a tokenizer.json that does not parse',
      options: () => {
        const file = join(directory, 'broken', 'tokenizer.json');
        rmSync(join(directory, 'broken'), { recursive: true, force: true });
        writeTinyEncoder(join(directory, 'broken'));
        writeFileSync(file, '{"model": {"type": "WordPiece", ');
        return { ...tokens, tokenizer: file };
      },
      message: /tokenizer\.json: tokenizer does not parse/,
    },
    {
      name: 'a tokenizer.json of an unknown model type',
      options: () => {
        const file = join(directory, 'unknown-type.json');
        writeFileSync(file, JSON.stringify({ model: { type: 'Mystery' }, added_tokens: [] }));
        return { ...tokens, tokenizer: file };
      },
      message: /unknown-type\.json: not a usable tokenizer\.json/,
    },
    {
      name: 'a model with an unsupported required input',
      options: () => ({
        ...tokens,
        model: oddModel(join(directory, 'pixels.onnx'), 'pixel_values', 'rank-3'),
      }),
      message: /pixels\.onnx: requires input "pixel_values"/,
    },
    {
      name: 'a model whose outputs cannot be pooled',
      options: () => ({ ...tokens, model: oddModel(join(directory, 'flat.onnx'), undefined, 'rank-1') }),
      message: /flat\.onnx: no output to pool.*hidden \[\d+\]/,
    },
  ])('fails to load $name with a ModelLoadError naming the file', async ({ options, message }) => {
    const loading = TransformerEncoder.load(options());
    await expect(loading).rejects.toThrow(ModelLoadError);
    await expect(loading).rejects.toThrow(message);
  });

  it('loads a model that only takes input_ids', async () => {
    const minimal = await TransformerEncoder.load({
      ...tokens,
      model: oddModel(join(directory, 'ids.onnx'), undefined, 'rank-3'),
    });
    expect(minimal.dimensions).toBe(4);
    const [vector] = await minimal.embed(['hello']);
    expect(vector?.[0]).toBeCloseTo(0.5, 5);
  });
});
