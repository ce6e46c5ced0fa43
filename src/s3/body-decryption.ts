// The read path of a body: a stored body, opened for positioned reads, through its encryption layers
// (outermost first). Each layer is a framed message whose plaintext is the next layer's message, so
// reading a range of the object reads a range of each layer below it — only the frames needed, at
// every layer, the frames a range needs read up to 1 MiB at a time and decrypted one at a time (memory:
// that much per layer, whatever the object's or range's size); on the worker pool ('pool'), each such
// read's frames at once, the next read's while this one's are sent (two reads per layer).

import { concatBytes } from '../core/bytes.js';
import { openRangedMessage, type RangedMessage, type RangeReader } from '../envelope/ranged-decrypt.js';
import type { Sealing } from './body-encryption.js';
import type { DataKeyResolver } from '../envelope/materials.js';
import { MessageFormatError } from '../envelope/message-format.js';
import type { BodyReader } from './object-bodies.js';
import { PIECE_BYTES } from './object-bytes.js';

/** An opened body: its plaintext length and its plaintext pieces for a range; `close()` releases it. */
export interface DecryptedBody {
  readonly size: number;
  pieces(start: number, end: number): AsyncGenerator<Uint8Array>;
  close(): Promise<void>;
}

/**
 * Opens the layers of `reader` (their headers authenticate and their data keys are resolved here:
 * a refusal or a damaged header fails this call) and checks that the plaintext is `expectedSize`
 * bytes, as the object's record says (a body cut short or padded is refused, not served short).
 * `reader` is closed when the result is, or here on failure. `opening` is where the frames are opened.
 */
export async function openDecryptedBody(reader: BodyReader, layers: DataKeyResolver[], expectedSize: number, opening: Sealing = 'thread'): Promise<DecryptedBody> {
  const messages: RangedMessage[] = [];
  const close = async () => {
    messages.forEach((m) => m.dispose());
    await reader.close();
  };
  try {
    let read: RangeReader = (offset, length) => reader.read(offset, length);
    let size = reader.size;
    for (const resolver of layers) {
      const message = await openRangedMessage(read, size, resolver, { pool: opening === 'pool' });
      messages.push(message);
      read = frameCachingReader(message);
      size = message.totalBytes;
    }
    if (size !== expectedSize) throw new MessageFormatError(`the stored body holds ${size} bytes, not the ${expectedSize} its record says: it was cut short or changed`);
    const top = messages.at(-1);
    return {
      size,
      pieces: top ? (start, end) => top.pieces(start, end) : (start, end) => plainPieces(reader, start, end),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Reads of a layer's plaintext for the layer above, keeping the last frame decrypted: the frames
 * above straddle this layer's frames, so a sequential read would otherwise decrypt each one twice.
 * The frames a read needs beyond that one come from one `pieces` call (one piece per frame), so this
 * layer's frames are read together too.
 */
function frameCachingReader(message: RangedMessage): RangeReader {
  const frame = message.frameBytes;
  let cached: { index: number; bytes: Uint8Array } | undefined;
  return async (offset, length) => {
    const end = Math.min(offset + length, message.totalBytes);
    const parts: Uint8Array[] = [];
    const take = (index: number, bytes: Uint8Array) => parts.push(bytes.subarray(Math.max(0, offset - index * frame), end - index * frame));
    let index = Math.floor(offset / frame);
    if (cached?.index === index && index * frame < end) take(index++, cached.bytes);
    if (index * frame < end) {
      for await (const content of message.pieces(index * frame, Math.min(Math.ceil(end / frame) * frame, message.totalBytes))) {
        cached = { index, bytes: content };
        take(index++, content);
      }
    }
    return concatBytes(parts);
  };
}

async function* plainPieces(reader: BodyReader, start: number, end: number): AsyncGenerator<Uint8Array> {
  for (let at = start; at < end; at += PIECE_BYTES) {
    const length = Math.min(PIECE_BYTES, end - at);
    const bytes = await reader.read(at, length);
    if (bytes.length !== length) throw new MessageFormatError('the stored body is shorter than its record says: it was cut short');
    yield bytes;
  }
}
