// The stream forms' edges: a stream cut short errors (it does not end as if complete), no empty
// chunk is ever emitted, and errors say which rule was broken.
import { describe, expect, it } from 'vitest';
import {
  AuthenticationError, decryptMessage, decryptStream, encryptMessage, encryptStream, FramedDecryptor, InvalidInputError, type EncryptionMaterials,
} from '../../src/index.js';
import { openFrame } from '../../src/envelope/framed-decryptor.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const rng = new SeededRandom(2126);

function fixture() {
  const dataKey = rng.bytes(32);
  const materials: EncryptionMaterials = { dataKey: dataKey.slice(), encryptionContext: {}, wrappedKeys: [{ providerId: 'test', keyId: 'k', blob: rng.bytes(8) }] };
  return { materials, resolve: async () => dataKey.slice() };
}

/** Every chunk a transform emits for `chunks`, in order; rejects if the stream errors. */
async function through(transform: TransformStream<Uint8Array, Uint8Array>, chunks: Uint8Array[]): Promise<Uint8Array[]> {
  const source = new ReadableStream<Uint8Array>({ start(controller) { chunks.forEach((c) => controller.enqueue(c)); controller.close(); } });
  const out: Uint8Array[] = [];
  for await (const chunk of source.pipeThrough(transform) as unknown as AsyncIterable<Uint8Array>) out.push(chunk);
  return out;
}

const pieces = (bytes: Uint8Array, size: number) => Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size));

describe('envelope streams at their edges', () => {
  it('neither stream emits an empty chunk, fed in pieces smaller than a frame', async () => {
    const { materials, resolve } = fixture();
    const plaintext = rng.bytes(5000);
    const sealed = await through(encryptStream(materials, { frameBytes: 1024 }), pieces(plaintext, 100));
    expect(sealed.every((c) => c.length > 0)).toBe(true);
    const message = Buffer.concat(sealed);
    const opened = await through(decryptStream(resolve), pieces(message, 100));
    expect(opened.every((c) => c.length > 0)).toBe(true);
    expect(Buffer.concat(opened).equals(plaintext)).toBe(true);
  });

  it('a message cut short errors the decrypting stream at its end, after releasing only the frames that verified', async () => {
    const { materials, resolve } = fixture();
    const plaintext = rng.bytes(3000);
    const message = encryptMessage(materials, plaintext, { frameBytes: 1024 });
    const released: Uint8Array[] = [];
    const source = new ReadableStream<Uint8Array>({ start(controller) { controller.enqueue(message.subarray(0, message.length - 20)); controller.close(); } });
    const reading = (async () => {
      for await (const chunk of source.pipeThrough(decryptStream(resolve)) as unknown as AsyncIterable<Uint8Array>) released.push(chunk);
    })();
    await expect(reading).rejects.toThrow(/truncated/);
    expect(Buffer.concat(released).equals(plaintext.subarray(0, 2048))).toBe(true);
  });

  it('data after the final frame, in the same chunk, is refused as such', async () => {
    const { materials, resolve } = fixture();
    const message = encryptMessage(materials, rng.bytes(100), { frameBytes: 64 });
    for (const extra of [[0, 0, 0, 3], [0xff, 0xff, 0xff, 0xff, 0, 0, 0, 3, 0, 0, 0, 0], [1]]) {
      await expect(decryptMessage(resolve, Buffer.concat([message, Buffer.from(extra)]))).rejects.toThrow(/data follows the final frame/);
    }
  });

  it('a header alone says the final frame is missing; a failed frame is named', async () => {
    const { materials, resolve } = fixture();
    const message = encryptMessage(materials, rng.bytes(200), { frameBytes: 64 });
    const headerBytes = message.length - (3 * (4 + 64 + 16) + 12 + 8 + 16);
    await expect(decryptMessage(resolve, message.subarray(0, headerBytes))).rejects.toThrow(/final frame is missing/);
    const tampered = message.slice();
    tampered[headerBytes + 84 + 10]! ^= 1; // inside frame 2
    await expect(decryptMessage(resolve, tampered)).rejects.toThrow(/frame 2 does not authenticate/);
    const decryptor = new FramedDecryptor(resolve);
    await expect(decryptor.update(tampered)).rejects.toThrow(AuthenticationError);
  });

  it('openFrame passes on an error that is not about authenticity as it is (a frame shorter than its tag)', () => {
    expect(() => openFrame(rng.bytes(32), rng.bytes(32), 1, true, new Uint8Array(15))).toThrow(InvalidInputError);
    expect(() => openFrame(rng.bytes(32), rng.bytes(32), 1, true, new Uint8Array(16))).toThrow(/frame 1 does not authenticate/);
  });
});
