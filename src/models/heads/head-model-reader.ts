import onnxProto from 'onnx-proto';
import { fromFloat16 } from '../onnx/onnx-graph.ts';
import { HEAD_IO } from './head-graph.ts';
import type { HeadActivation, HeadWeights } from './head-weights.ts';

const { onnx } = onnxProto;
const TYPES = onnx.TensorProto.DataType;

/** What the card says the head's weights must look like. */
export interface HeadShape {
  labels: readonly string[];
  dims: number;
  buckets: number;
  hidden: number;
  activation?: HeadActivation;
}

function tensor(
  initializers: Map<string, onnxProto.onnx.ITensorProto>,
  name: string,
  dims: number[],
): Float32Array {
  const found = initializers.get(name);
  if (found === undefined) throw new Error(`no initializer ${name}`);
  const actual = (found.dims ?? []).map(Number);
  if (actual.join('x') !== dims.join('x'))
    throw new Error(`initializer ${name} is ${actual.join('x')}, the card implies ${dims.join('x')}`);
  const raw = found.rawData;
  if (!(raw instanceof Uint8Array)) throw new Error(`initializer ${name} has no raw data`);
  const bytes = new Uint8Array(raw); // a copy: aligned, and not a view into a pooled Buffer
  if (found.dataType === TYPES.FLOAT16)
    return fromFloat16(new Uint16Array(bytes.buffer, 0, bytes.length / 2));
  if (found.dataType === TYPES.FLOAT) return new Float32Array(bytes.buffer, 0, bytes.length / 4);
  throw new Error(`initializer ${name} has data type ${found.dataType}, expected float or float16`);
}

/**
 * Reads a head's weights back from the bytes of its ONNX model (written by `encodeHeadModel`), so
 * the forward pass can run in JavaScript without an inference session: a few thousand
 * multiply-adds per text cost less than one onnxruntime call. Throws when the bytes are not such a
 * model or its tensors do not have the shapes the card implies.
 */
export function readHeadWeights(bytes: Uint8Array, shape: HeadShape): HeadWeights {
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph;
  if (!graph) throw new Error('the model has no graph');
  const inputs = (graph.input ?? []).map((value) => value.name);
  const outputs = (graph.output ?? []).map((value) => value.name);
  for (const name of [HEAD_IO.embedding, HEAD_IO.lexicalIds, HEAD_IO.lexicalValues])
    if (!inputs.includes(name)) throw new Error(`not a classifier head (no input ${name})`);
  if (!outputs.includes(HEAD_IO.probabilities))
    throw new Error(`not a classifier head (no output ${HEAD_IO.probabilities})`);
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const labels = shape.labels.length;
  const width = shape.hidden > 0 ? shape.hidden : labels;
  return {
    labels: shape.labels,
    dims: shape.dims,
    buckets: shape.buckets,
    hidden: shape.hidden,
    ...(shape.activation === 'sigmoid' && { activation: 'sigmoid' as const }),
    embedding: tensor(initializers, 'embedding_weights', [shape.dims, width]),
    lexical: tensor(initializers, 'lexical_weights16', [shape.buckets, width]),
    bias: tensor(initializers, 'bias', [width]),
    output:
      shape.hidden > 0 ? tensor(initializers, 'output_weights', [shape.hidden, labels]) : new Float32Array(0),
    outputBias: shape.hidden > 0 ? tensor(initializers, 'output_bias', [labels]) : new Float32Array(0),
  };
}
