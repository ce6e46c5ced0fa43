// getObject's Body as pieces of bytes, whichever shape the store returns: a Uint8Array (read whole),
// or a streaming body like the AWS SDK's (async iteration of Uint8Array, or transformToByteArray()).

import { concatBytes } from '../envelope/byte-concat.js';

const PIECE_BYTES = 1 << 20;

type StreamingBody = AsyncIterable<Uint8Array> | { transformToByteArray(): Promise<Uint8Array> };

export async function* bodyPieces(body: Uint8Array | StreamingBody): AsyncGenerator<Uint8Array> {
  if (body instanceof Uint8Array) {
    for (let at = 0; at < body.length; at += PIECE_BYTES) yield body.subarray(at, at + PIECE_BYTES);
  } else if (Symbol.asyncIterator in body) {
    yield* body;
  } else {
    yield await body.transformToByteArray();
  }
}

/** The whole body (for small objects: query results). */
export async function bodyBytes(body: Uint8Array | StreamingBody): Promise<Uint8Array> {
  if (body instanceof Uint8Array) return body;
  if ('transformToByteArray' in body) return body.transformToByteArray();
  const pieces: Uint8Array[] = [];
  for await (const piece of body) pieces.push(piece);
  return concatBytes(pieces);
}
