import { encodeOnnxModel, type OnnxNode, toFloat16 } from '../onnx/onnx-graph.ts';
import { firstLayerWidth, type HeadWeights } from './head-weights.ts';

/** Names of the head graph's inputs and output. */
export const HEAD_IO = {
  embedding: 'embedding',
  lexicalIds: 'lexical_ids',
  lexicalValues: 'lexical_values',
  probabilities: 'probabilities',
} as const;

const FLOAT = 1;

/**
 * The head as an ONNX model. Inputs: `embedding` float32 [batch, dims], `lexical_ids` int64
 * [batch, L] and `lexical_values` float32 [batch, L] (padding: any id with value 0). The lexical
 * weight table is stored as float16 and gathered inside the graph; the output `probabilities`
 * float32 [batch, labels] is a softmax over the labels in the card's order (a sigmoid per label for
 * a head with `activation: 'sigmoid'`).
 */
export function encodeHeadModel(weights: HeadWeights, metadata: Record<string, string> = {}): Uint8Array {
  const width = firstLayerWidth(weights);
  const labels = weights.labels.length;
  const nodes: OnnxNode[] = [
    { op: 'MatMul', inputs: [HEAD_IO.embedding, 'embedding_weights'], outputs: ['from_embedding'] },
    {
      op: 'Gather',
      inputs: ['lexical_weights16', HEAD_IO.lexicalIds],
      outputs: ['rows16'],
      attributes: { axis: 0 },
    },
    { op: 'Cast', inputs: ['rows16'], outputs: ['rows'], attributes: { to: FLOAT } },
    { op: 'Unsqueeze', inputs: [HEAD_IO.lexicalValues, 'axis_2'], outputs: ['values3'] },
    { op: 'Mul', inputs: ['rows', 'values3'], outputs: ['weighted_rows'] },
    {
      op: 'ReduceSum',
      inputs: ['weighted_rows', 'axis_1'],
      outputs: ['from_lexical'],
      attributes: { keepdims: 0 },
    },
    { op: 'Add', inputs: ['from_embedding', 'from_lexical'], outputs: ['first_sum'] },
    { op: 'Add', inputs: ['first_sum', 'bias'], outputs: [weights.hidden > 0 ? 'pre_hidden' : 'logits'] },
  ];
  if (weights.hidden > 0) {
    nodes.push(
      { op: 'Relu', inputs: ['pre_hidden'], outputs: ['hidden'] },
      { op: 'MatMul', inputs: ['hidden', 'output_weights'], outputs: ['output_sum'] },
      { op: 'Add', inputs: ['output_sum', 'output_bias'], outputs: ['logits'] },
    );
  }
  nodes.push(
    weights.activation === 'sigmoid'
      ? { op: 'Sigmoid', inputs: ['logits'], outputs: [HEAD_IO.probabilities] }
      : { op: 'Softmax', inputs: ['logits'], outputs: [HEAD_IO.probabilities], attributes: { axis: -1 } },
  );
  return encodeOnnxModel({
    name: 'text_classifier_head',
    inputs: [
      { name: HEAD_IO.embedding, type: 'float32', shape: ['batch', weights.dims] },
      { name: HEAD_IO.lexicalIds, type: 'int64', shape: ['batch', 'features'] },
      { name: HEAD_IO.lexicalValues, type: 'float32', shape: ['batch', 'features'] },
    ],
    outputs: [{ name: HEAD_IO.probabilities, type: 'float32', shape: ['batch', labels] }],
    nodes,
    initializers: [
      { name: 'embedding_weights', type: 'float32', dims: [weights.dims, width], data: weights.embedding },
      {
        name: 'lexical_weights16',
        type: 'float16',
        dims: [weights.buckets, width],
        data: toFloat16(weights.lexical),
      },
      { name: 'bias', type: 'float32', dims: [width], data: weights.bias },
      { name: 'axis_1', type: 'int64', dims: [1], data: BigInt64Array.of(1n) },
      { name: 'axis_2', type: 'int64', dims: [1], data: BigInt64Array.of(2n) },
      ...(weights.hidden > 0
        ? [
            {
              name: 'output_weights',
              type: 'float32' as const,
              dims: [weights.hidden, labels],
              data: weights.output,
            },
            { name: 'output_bias', type: 'float32' as const, dims: [labels], data: weights.outputBias },
          ]
        : []),
    ],
    metadata: { labels: JSON.stringify(weights.labels), ...metadata },
  });
}
