import { existsSync, statSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { ModelLoadError } from '../model-files.ts';

/** One input tensor: int64 ids or float32 values, row-major with `dims`. */
export type OnnxFeed =
  | { type: 'int64'; data: BigInt64Array; dims: readonly number[] }
  | { type: 'float32'; data: Float32Array; dims: readonly number[] };

/** One float32 output: flat row-major values and the shape they have. */
export interface OnnxOutput {
  data: Float32Array;
  dims: readonly number[];
}

/** An ONNX model ready to run; float32 outputs come back flat and row-major. */
export interface OnnxSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, OnnxFeed>): Promise<Record<string, Float32Array>>;
  /**
   * Like `run`, with each output's shape (needed to un-flatten outputs of dynamic size); `outputs`
   * limits the run to those outputs (all by default).
   */
  runWithDims(
    feeds: Record<string, OnnxFeed>,
    outputs?: readonly string[],
  ): Promise<Record<string, OnnxOutput>>;
}

/**
 * Loads an ONNX model on the CPU with one thread per run: the router's models are small, and
 * concurrent requests already run in parallel on onnxruntime's own threads. A missing, empty or
 * unreadable file throws a ModelLoadError naming the file.
 */
export async function loadOnnxSession(file: string): Promise<OnnxSession> {
  if (!existsSync(file)) throw new ModelLoadError(file, 'not found');
  if (statSync(file).size === 0) throw new ModelLoadError(file, 'empty file');
  let session: ort.InferenceSession;
  try {
    // By path, not bytes: onnxruntime reads the file itself, so a large model is not held twice while it loads.
    session = await ort.InferenceSession.create(file, {
      executionProviders: ['cpu'],
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
  } catch (error) {
    throw new ModelLoadError(file, `not a loadable ONNX model (${(error as Error).message.split('\n')[0]})`, {
      cause: error,
    });
  }
  const runWithDims = async (
    feeds: Record<string, OnnxFeed>,
    fetches?: readonly string[],
  ): Promise<Record<string, OnnxOutput>> => {
    const tensors: Record<string, ort.Tensor> = {};
    for (const [name, feed] of Object.entries(feeds))
      tensors[name] = new ort.Tensor(feed.type, feed.data, feed.dims);
    const results = await (fetches ? session.run(tensors, [...fetches]) : session.run(tensors));
    const outputs: Record<string, OnnxOutput> = {};
    for (const [name, tensor] of Object.entries(results)) {
      if (tensor.type !== 'float32') throw new Error(`output ${name} is ${tensor.type}, expected float32`);
      outputs[name] = { data: tensor.data as Float32Array, dims: tensor.dims };
    }
    return outputs;
  };
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    runWithDims,
    async run(feeds) {
      const outputs: Record<string, Float32Array> = {};
      for (const [name, output] of Object.entries(await runWithDims(feeds))) outputs[name] = output.data;
      return outputs;
    },
  };
}
