import type {
  OnnxAttributes,
  OnnxGraphSpec,
  OnnxInitializer,
  OnnxNode,
} from '../../../src/models/onnx/onnx-graph.ts';
import { seededRandom } from '../../../src/models/seeded-random.ts';
import { TINY_TOPICS } from './tiny-vocabulary.ts';

/** Sizes of the tiny BERT-style encoder. */
export interface TinyEncoderShape {
  hidden: number;
  heads: number;
  layers: number;
  feedForward: number;
  maxPositions: number;
  /** Width of the `sentence_embedding` output of the pooled variant (a projection of the mean). */
  pooledDimensions: number;
}

const TINY_ENCODER_SHAPE: TinyEncoderShape = {
  hidden: 32,
  heads: 2,
  layers: 2,
  feedForward: 64,
  maxPositions: 512,
  pooledDimensions: 24,
};

/** `token-embeddings`: BERT-like, inputs ids/mask/types, output `last_hidden_state`.
 * `sentence-embedding`: sentence-transformers-like, inputs ids/mask, outputs `token_embeddings`
 * and a pooled, projected `sentence_embedding`. */
export type TinyEncoderVariant = 'token-embeddings' | 'sentence-embedding';

class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxInitializer[] = [];
  private count = 0;
  private readonly random: () => number;

  constructor(seed: number) {
    this.random = seededRandom(seed);
  }

  gaussian(std: number): number {
    const u = 1 - this.random();
    return std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.random());
  }

  floats(name: string, dims: number[], fill: (index: number) => number): string {
    const size = dims.reduce((product, dim) => product * dim, 1);
    this.initializers.push({
      name,
      type: 'float32',
      dims,
      data: Float32Array.from({ length: size }, (_, i) => fill(i)),
    });
    return name;
  }

  ints(name: string, dims: number[], values: number[]): string {
    this.initializers.push({ name, type: 'int64', dims, data: BigInt64Array.from(values.map(BigInt)) });
    return name;
  }

  node(op: string, inputs: string[], attributes?: OnnxAttributes): string {
    const output = `${op.toLowerCase()}_${this.count++}`;
    this.nodes.push(
      attributes ? { op, inputs, outputs: [output], attributes } : { op, inputs, outputs: [output] },
    );
    return output;
  }

  /** x·W + b with W [rows, cols] drawn from N(0, std²) and b = 0. */
  dense(prefix: string, x: string, rows: number, cols: number, std: number): string {
    const weight = this.floats(`${prefix}.weight`, [rows, cols], () => this.gaussian(std));
    const bias = this.floats(`${prefix}.bias`, [cols], () => 0);
    return this.node('Add', [this.node('MatMul', [x, weight]), bias]);
  }

  layerNorm(prefix: string, x: string, hidden: number): string {
    const scale = this.floats(`${prefix}.gamma`, [hidden], () => 1);
    const bias = this.floats(`${prefix}.beta`, [hidden], () => 0);
    return this.node('LayerNormalization', [x, scale, bias], { axis: -1, epsilon: { float: 1e-12 } });
  }
}

/** Word embeddings: random per token, plus a shared direction for the words of one topic. */
function wordEmbeddings(graph: GraphBuilder, vocabulary: readonly string[], hidden: number): string {
  const topicOf = new Map<string, number>();
  Object.values(TINY_TOPICS).forEach((words, topic) => {
    for (const word of words) topicOf.set(word, topic);
  });
  const directions = Object.keys(TINY_TOPICS).map(() =>
    Float32Array.from({ length: hidden }, () => graph.gaussian(1)),
  );
  const table = new Float32Array(vocabulary.length * hidden);
  vocabulary.forEach((token, id) => {
    const topic = topicOf.get(token);
    const direction = topic === undefined ? undefined : directions[topic];
    for (let d = 0; d < hidden; d++)
      table[id * hidden + d] =
        graph.gaussian(direction ? 0.6 : 1) + (direction ? (direction[d] as number) : 0);
  });
  graph.initializers.push({
    name: 'embeddings.word',
    type: 'float32',
    dims: [vocabulary.length, hidden],
    data: table,
  });
  return 'embeddings.word';
}

function attention(
  graph: GraphBuilder,
  prefix: string,
  x: string,
  mask: string,
  shape: TinyEncoderShape,
): string {
  const { hidden, heads } = shape;
  const headSize = hidden / heads;
  const std = 1 / Math.sqrt(hidden);
  const split = graph.ints(`${prefix}.split_shape`, [4], [0, 0, heads, headSize]);
  const merge = graph.ints(`${prefix}.merge_shape`, [3], [0, 0, hidden]);
  const project = (name: string, perm: number[]) =>
    graph.node(
      'Transpose',
      [graph.node('Reshape', [graph.dense(`${prefix}.${name}`, x, hidden, hidden, std), split])],
      {
        perm,
      },
    );
  const query = project('query', [0, 2, 1, 3]);
  const key = project('key', [0, 2, 3, 1]);
  const value = project('value', [0, 2, 1, 3]);
  const scale = graph.floats(`${prefix}.scale`, [], () => 1 / Math.sqrt(headSize));
  const scores = graph.node('Add', [graph.node('Mul', [graph.node('MatMul', [query, key]), scale]), mask]);
  const context = graph.node('MatMul', [graph.node('Softmax', [scores], { axis: -1 }), value]);
  const merged = graph.node('Reshape', [graph.node('Transpose', [context], { perm: [0, 2, 1, 3] }), merge]);
  const output = graph.dense(`${prefix}.output`, merged, hidden, hidden, std);
  return graph.layerNorm(`${prefix}.norm`, graph.node('Add', [x, output]), hidden);
}

function feedForward(graph: GraphBuilder, prefix: string, x: string, shape: TinyEncoderShape): string {
  const { hidden, feedForward: inner } = shape;
  const up = graph.dense(`${prefix}.up`, x, hidden, inner, 1 / Math.sqrt(hidden));
  const half = graph.floats(`${prefix}.half`, [], () => 0.5);
  const one = graph.floats(`${prefix}.one`, [], () => 1);
  const invSqrt2 = graph.floats(`${prefix}.inv_sqrt2`, [], () => Math.SQRT1_2);
  const erf = graph.node('Erf', [graph.node('Mul', [up, invSqrt2])]);
  const gelu = graph.node('Mul', [graph.node('Mul', [up, half]), graph.node('Add', [erf, one])]);
  const down = graph.dense(`${prefix}.down`, gelu, inner, hidden, 0.5 / Math.sqrt(inner));
  return graph.layerNorm(`${prefix}.norm`, graph.node('Add', [x, down]), hidden);
}

/**
 * The tiny encoder as an ONNX graph: word + position (+ token type) embeddings, LayerNorm, then
 * `layers` blocks of multi-head self-attention (padding masked out with an additive -10000 from
 * `attention_mask`) and a GELU feed-forward, each with a residual and post-LayerNorm. Weights come
 * from a seeded PRNG, so a vocabulary, variant and seed always give the same bytes.
 */
export function tinyEncoderGraph(
  vocabulary: readonly string[],
  variant: TinyEncoderVariant,
  options: { seed?: number; shape?: TinyEncoderShape } = {},
): OnnxGraphSpec {
  const shape = options.shape ?? TINY_ENCODER_SHAPE;
  const { hidden } = shape;
  const graph = new GraphBuilder(options.seed ?? 42);
  const withTypes = variant === 'token-embeddings';

  const words = graph.node('Gather', [wordEmbeddings(graph, vocabulary, hidden), 'input_ids']);
  const length = graph.node('Gather', [graph.node('Shape', ['input_ids']), graph.ints('one_index', [], [1])]);
  const positionIds = graph.node('Range', [graph.ints('zero', [], [0]), length, graph.ints('step', [], [1])]);
  const positionTable = graph.floats('embeddings.position', [shape.maxPositions, hidden], () =>
    graph.gaussian(0.1),
  );
  let sum = graph.node('Add', [words, graph.node('Gather', [positionTable, positionIds])]);
  if (withTypes) {
    const typeTable = graph.floats('embeddings.token_type', [2, hidden], () => graph.gaussian(0.05));
    sum = graph.node('Add', [sum, graph.node('Gather', [typeTable, 'token_type_ids'])]);
  }
  let x = graph.layerNorm('embeddings.norm', sum, hidden);

  const maskFloat = graph.node('Cast', ['attention_mask'], { to: 1 });
  const one = graph.floats('mask.one', [], () => 1);
  const negative = graph.floats('mask.negative', [], () => -10000);
  const additive = graph.node('Mul', [graph.node('Sub', [one, maskFloat]), negative]);
  const mask = graph.node('Unsqueeze', [additive, graph.ints('mask.axes', [2], [1, 2])]);
  for (let layer = 0; layer < shape.layers; layer++) {
    x = attention(graph, `layer${layer}.attention`, x, mask, shape);
    x = feedForward(graph, `layer${layer}.ffn`, x, shape);
  }

  const tokenOutput = withTypes ? 'last_hidden_state' : 'token_embeddings';
  graph.nodes.push({ op: 'Identity', inputs: [x], outputs: [tokenOutput] });
  const outputs: OnnxGraphSpec['outputs'][number][] = [
    { name: tokenOutput, type: 'float32', shape: ['batch', 'tokens', hidden] },
  ];
  if (!withTypes) {
    const weights = graph.node('Unsqueeze', [maskFloat, graph.ints('pool.axes', [1], [2])]);
    const axis = graph.ints('pool.token_axis', [1], [1]);
    const total = graph.node('ReduceSum', [graph.node('Mul', [x, weights]), axis], { keepdims: 0 });
    const count = graph.node('Max', [
      graph.node('ReduceSum', [weights, axis], { keepdims: 0 }),
      graph.floats('pool.min_count', [], () => 1e-9),
    ]);
    const mean = graph.node('Div', [total, count]);
    const pooled = graph.dense(
      'pool.projection',
      mean,
      hidden,
      shape.pooledDimensions,
      1 / Math.sqrt(hidden),
    );
    graph.nodes.push({ op: 'Identity', inputs: [pooled], outputs: ['sentence_embedding'] });
    outputs.push({ name: 'sentence_embedding', type: 'float32', shape: ['batch', shape.pooledDimensions] });
  }

  const input = (name: string) => ({ name, type: 'int64' as const, shape: ['batch', 'tokens'] });
  return {
    name: `tiny-encoder-${variant}`,
    inputs: withTypes
      ? [input('input_ids'), input('attention_mask'), input('token_type_ids')]
      : [input('input_ids'), input('attention_mask')],
    outputs,
    nodes: graph.nodes,
    initializers: graph.initializers,
    metadata: { variant, hidden: String(hidden), layers: String(shape.layers) },
  };
}
