/**
 * Bodies as Envoy's filter sees them: a sequence of data frames, the last one carrying end of
 * stream unless trailers follow.
 */
import { type BodyChunk, toBuffer } from './http-types.ts';

/** One data frame. */
export interface Frame {
  data: Buffer;
  endOfStream: boolean;
}

/** Cuts a body into pieces of at most `size` bytes; one piece when `size` is unset. */
export function splitBody(body: Buffer, size: number | undefined): Buffer[] {
  if (body.length === 0) return [];
  if (!size || body.length <= size) return [body];
  const pieces: Buffer[] = [];
  for (let offset = 0; offset < body.length; offset += size)
    pieces.push(body.subarray(offset, offset + size));
  return pieces;
}

/** Frames of a body known in full; the last carries end of stream unless trailers follow. */
export function knownFrames(pieces: readonly BodyChunk[], hasTrailers: boolean): Frame[] {
  return pieces.map((piece, index) => ({
    data: toBuffer(piece),
    endOfStream: !hasTrailers && index === pieces.length - 1,
  }));
}

/**
 * Frames of a live body: each piece as it comes, then (without trailers) an empty frame carrying
 * end of stream, which is what Envoy sees from an HTTP/1.1 chunked upstream.
 */
async function* liveFrames(source: AsyncIterable<BodyChunk>, hasTrailers: boolean): AsyncGenerator<Frame> {
  for await (const piece of source) yield { data: toBuffer(piece), endOfStream: false };
  if (!hasTrailers) yield { data: Buffer.alloc(0), endOfStream: true };
}

/** A source of frames plus whether it is known to be empty (then the headers carry end of stream). */
export interface FrameSource {
  knownEmpty: boolean;
  frames: AsyncIterator<Frame> | Iterator<Frame>;
}

/** Frames of an upstream body given as a whole body, an array of pieces, or an async iterable. */
export function upstreamFrames(
  body: BodyChunk | undefined,
  chunks: AsyncIterable<BodyChunk> | readonly BodyChunk[] | undefined,
  hasTrailers: boolean,
  chunkSize: number | undefined,
): FrameSource {
  if (chunks !== undefined && !isArray(chunks)) {
    return { knownEmpty: false, frames: liveFrames(chunks, hasTrailers)[Symbol.asyncIterator]() };
  }
  const pieces = chunks ?? splitBody(body === undefined ? Buffer.alloc(0) : toBuffer(body), chunkSize);
  const total = pieces.reduce((sum, piece) => sum + toBuffer(piece).length, 0);
  return { knownEmpty: total === 0, frames: knownFrames(pieces, hasTrailers)[Symbol.iterator]() };
}

function isArray(value: AsyncIterable<BodyChunk> | readonly BodyChunk[]): value is readonly BodyChunk[] {
  return Array.isArray(value);
}
