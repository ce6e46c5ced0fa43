// getObject's Body: a stream of the object's bytes shaped as the AWS SDK for JavaScript v3 shapes it
// (its sdkStreamMixin), so code written against @aws-sdk/client-s3 reads it unchanged:
//   await Body.transformToByteArray()          all of it, as one Uint8Array
//   await Body.transformToString('utf-8')      decoded (also 'base64' and 'hex', as in Node's SDK)
//   Body.transformToWebStream()                a Web ReadableStream
//   for await (const chunk of Body) …          chunks of Uint8Array
// As in the SDK, a body is read once: a second read throws. Each chunk is authenticated before it is
// handed out; damage found further on fails the read (the call that started it resolved already,
// exactly as with a network stream). A body not read to its end should be cancelled (break out of the
// loop, or cancel the web stream) so its file is closed at once.

import { bytesToBase64 } from '../core/base64.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { concatBytes } from '../core/bytes.js';

export interface StreamingBody extends AsyncIterable<Uint8Array> {
  transformToByteArray(): Promise<Uint8Array>;
  transformToString(encoding?: string): Promise<string>;
  transformToWebStream(): ReadableStream<Uint8Array>;
}

/** Wraps `chunks` (started already, or not) as a StreamingBody. */
export function streamingBody(chunks: AsyncGenerator<Uint8Array>): StreamingBody {
  let taken = false;
  const take = () => {
    if (taken) throw new Error('The stream has already been transformed.');
    taken = true;
    return chunks;
  };
  const byteArray = async () => {
    const parts: Uint8Array[] = [];
    for await (const chunk of take()) parts.push(chunk);
    return parts.length === 1 ? parts[0]! : concatBytes(parts);
  };
  return {
    [Symbol.asyncIterator]: () => take(),
    transformToByteArray: byteArray,
    async transformToString(encoding = 'utf-8') {
      const bytes = await byteArray();
      if (encoding === 'base64') return bytesToBase64(bytes);
      if (encoding === 'hex') return bytesToHex(bytes);
      return new TextDecoder(encoding).decode(bytes);
    },
    transformToWebStream() {
      const source = take();
      return new ReadableStream<Uint8Array>({
        async pull(controller) {
          const next = await source.next();
          if (next.done) controller.close();
          else controller.enqueue(next.value);
        },
        async cancel() {
          await source.return(undefined);
        },
      });
    },
  };
}

/** A StreamingBody of bytes already in memory (one chunk). */
export function bytesBody(bytes: Uint8Array): StreamingBody {
  return streamingBody((async function* () {
    yield bytes;
  })());
}

/**
 * Starts `chunks` and waits for its first chunk, so that what fails at once (the key, the header,
 * the first frame) fails the call that asked rather than the read; the first chunk is kept for the reader.
 */
export async function started(chunks: AsyncGenerator<Uint8Array>): Promise<AsyncGenerator<Uint8Array>> {
  const first = await chunks.next();
  return (async function* () {
    try {
      if (!first.done) yield first.value;
      yield* chunks;
    } finally {
      await chunks.return(undefined);
    }
  })();
}
