import type { TextEncoding } from '../embedder.ts';
import { denseInputWidth, type HeadInputs } from './head-card.ts';

/**
 * The dense input of a head for one encoded text, as training and the runtime both build it: the
 * sentence vector, followed for `sentence+token-max-min` by the token max and min. Throws when the
 * encoding has the wrong size or lacks the pooling the head reads.
 */
export function denseInput(encoding: TextEncoding, inputs: HeadInputs, dimensions: number): Float32Array {
  const { embedding, tokenMax, tokenMin } = encoding;
  if (embedding.length !== dimensions)
    throw new Error(`embedding has ${embedding.length} dimensions, expected ${dimensions}`);
  if (inputs === 'sentence') return embedding;
  if (tokenMax === undefined || tokenMin === undefined)
    throw new Error('the head reads token pooling (max and min), but the encoding has none');
  if (tokenMax.length !== dimensions || tokenMin.length !== dimensions)
    throw new Error(`token pooling must have ${dimensions} dimensions`);
  const out = new Float32Array(denseInputWidth(inputs, dimensions));
  out.set(embedding, 0);
  out.set(tokenMax, dimensions);
  out.set(tokenMin, dimensions * 2);
  return out;
}
