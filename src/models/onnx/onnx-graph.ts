import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** Element types the project writes into ONNX graphs. */
export type OnnxElementType = 'float32' | 'float16' | 'int64' | 'int8';

const DATA_TYPE: Record<OnnxElementType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  float16: onnx.TensorProto.DataType.FLOAT16,
  int64: onnx.TensorProto.DataType.INT64,
  int8: onnx.TensorProto.DataType.INT8,
};

/** A constant tensor stored in the model: float32, float16 (as raw 16-bit words), int64 or int8. */
export interface OnnxInitializer {
  name: string;
  type: OnnxElementType;
  dims: readonly number[];
  data: Float32Array | Uint16Array | BigInt64Array | Int8Array;
}

/** A graph input or output: its element type and shape (a string names a dynamic dimension). */
export interface OnnxValue {
  name: string;
  type: OnnxElementType;
  shape: ReadonlyArray<number | string>;
}

/** Node attributes: numbers (ints when integral and `ints` lists), floats, or lists of ints. */
export type OnnxAttributes = Record<string, number | number[] | { float: number }>;

export interface OnnxNode {
  op: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attributes?: OnnxAttributes;
}

/** Everything needed to write a single-graph ONNX model of the default operator set. */
export interface OnnxGraphSpec {
  name: string;
  inputs: readonly OnnxValue[];
  outputs: readonly OnnxValue[];
  nodes: readonly OnnxNode[];
  initializers: readonly OnnxInitializer[];
  /** Written as the model's metadata_props, readable from an inference session. */
  metadata?: Record<string, string>;
  /** ai.onnx operator set version; 18 by default. */
  opset?: number;
}

/** IR version 8 (ONNX 1.10+), which every current onnxruntime reads. */
const IR_VERSION = 8;
const DEFAULT_OPSET = 18;

function bytesOf(data: Float32Array | Uint16Array | BigInt64Array | Int8Array): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function checkInitializer(tensor: OnnxInitializer): void {
  const expected = tensor.dims.reduce((product, dim) => product * dim, 1);
  if (expected !== tensor.data.length) {
    throw new Error(
      `initializer ${tensor.name}: dims ${tensor.dims.join('x')} need ${expected} values, got ${tensor.data.length}`,
    );
  }
}

function valueInfo(value: OnnxValue): onnxProto.onnx.IValueInfoProto {
  return {
    name: value.name,
    type: {
      tensorType: {
        elemType: DATA_TYPE[value.type],
        shape: {
          dim: value.shape.map((dim) => (typeof dim === 'string' ? { dimParam: dim } : { dimValue: dim })),
        },
      },
    },
  };
}

function attribute(name: string, value: OnnxAttributes[string]): onnxProto.onnx.IAttributeProto {
  const types = onnx.AttributeProto.AttributeType;
  if (Array.isArray(value)) return { name, type: types.INTS, ints: value };
  if (typeof value === 'object') return { name, type: types.FLOAT, f: value.float };
  return { name, type: types.INT, i: value };
}

/**
 * Serialises a graph as an ONNX model (protobuf bytes). Tensors are written little-endian as raw
 * data, so the same spec always yields the same bytes.
 */
export function encodeOnnxModel(spec: OnnxGraphSpec): Uint8Array {
  for (const tensor of spec.initializers) checkInitializer(tensor);
  const model: onnxProto.onnx.IModelProto = {
    irVersion: IR_VERSION,
    producerName: 'semantic-router',
    opsetImport: [{ domain: '', version: spec.opset ?? DEFAULT_OPSET }],
    metadataProps: Object.entries(spec.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: {
      name: spec.name,
      input: spec.inputs.map(valueInfo),
      output: spec.outputs.map(valueInfo),
      initializer: spec.initializers.map((tensor) => ({
        name: tensor.name,
        dataType: DATA_TYPE[tensor.type],
        dims: [...tensor.dims],
        rawData: bytesOf(tensor.data),
      })),
      node: spec.nodes.map((node, index) => ({
        name: `${node.op.toLowerCase()}_${index}`,
        opType: node.op,
        input: [...node.inputs],
        output: [...node.outputs],
        attribute: Object.entries(node.attributes ?? {}).map(([name, value]) => attribute(name, value)),
      })),
    },
  };
  return onnx.ModelProto.encode(model).finish();
}

/** Rounds float32 values to IEEE half precision words (round to nearest even), for float16 tensors. */
export function toFloat16(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  for (let i = 0; i < values.length; i++) {
    f32[0] = values[i] as number;
    const x = u32[0] as number;
    const sign = (x >>> 16) & 0x8000;
    const exponent = (x >>> 23) & 0xff;
    let mantissa = x & 0x7fffff;
    if (exponent === 0xff) {
      out[i] = sign | 0x7c00 | (mantissa ? 0x200 : 0);
      continue;
    }
    const e = exponent - 127 + 15;
    if (e >= 0x1f) {
      out[i] = sign | 0x7c00;
      continue;
    }
    if (e <= 0) {
      if (e < -10) {
        out[i] = sign;
        continue;
      }
      mantissa |= 0x800000;
      const shift = 14 - e;
      let half = mantissa >>> shift;
      const rest = mantissa & ((1 << shift) - 1);
      const halfway = 1 << (shift - 1);
      if (rest > halfway || (rest === halfway && half & 1)) half++;
      out[i] = sign | half;
      continue;
    }
    let half = (e << 10) | (mantissa >>> 13);
    const rest = mantissa & 0x1fff;
    if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++;
    out[i] = sign | half;
  }
  return out;
}

/** Widens IEEE half precision words to float32 values (the inverse of `toFloat16` for representable values). */
export function fromFloat16(words: Uint16Array): Float32Array {
  const out = new Float32Array(words.length);
  for (let i = 0; i < words.length; i++) {
    const h = words[i] as number;
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >>> 10) & 0x1f;
    const mantissa = h & 0x3ff;
    if (exponent === 0) out[i] = sign * mantissa * 2 ** -24;
    else if (exponent === 0x1f) out[i] = mantissa ? Number.NaN : sign * Number.POSITIVE_INFINITY;
    else out[i] = sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
  }
  return out;
}
