import { Duplex, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import {
  AuthenticationError, decryptMessage, decryptRange, decryptStream, encryptMessage, encryptStream, FramedDecryptor, FramedEncryptor,
  KeyManagementService, kmsDataKeyResolver, kmsEncryptionMaterials, MessageFormatError, toNodeDuplex, type EncryptionMaterials,
} from '../../src/node.js';
import { concat } from '../helpers/bytes.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const rng = new SeededRandom(80);

/** Materials with a fixed data key, and a resolver that returns it (no KMS needed to test the format). */
function localMaterials(): { materials: EncryptionMaterials; resolve: () => Promise<Uint8Array> } {
  const dataKey = rng.bytes(32);
  return {
    materials: { dataKey: dataKey.slice(), encryptionContext: { bucket: 'b', key: 'k' }, wrappedKeys: [{ providerId: 'test', keyId: 'k1', blob: rng.bytes(40) }] },
    resolve: async () => dataKey.slice(),
  };
}

async function expectRejected(resolve: () => Promise<Uint8Array>, message: Uint8Array, what: string) {
  let released: Uint8Array | undefined;
  try {
    released = await decryptMessage(resolve, message);
  } catch (error) {
    expect(error instanceof AuthenticationError || error instanceof MessageFormatError, `${what}: ${String(error)}`).toBe(true);
    return;
  }
  expect.fail(`${what}: decrypted ${released.length} bytes`);
}

describe('framed envelope format', () => {
  it('round-trips at frame-boundary sizes, in one piece and streamed in random splits', async () => {
    for (const frameBytes of [1, 16, 4096, 65536]) {
      for (const size of [0, 1, frameBytes - 1, frameBytes, frameBytes + 1, 3 * frameBytes, 70_001]) {
        if (size < 0 || (frameBytes === 1 && size > 5000)) continue;
        const { materials, resolve } = localMaterials();
        const plaintext = rng.bytes(size);
        const message = encryptMessage({ ...materials, dataKey: materials.dataKey.slice() }, plaintext, { frameBytes });
        expect(Buffer.from(await decryptMessage(resolve, message)).equals(plaintext), `frame ${frameBytes}, size ${size}`).toBe(true);
        const decryptor = new FramedDecryptor(resolve);
        const out: Uint8Array[] = [];
        let at = 0;
        for (const piece of rng.splits(message.length)) {
          out.push(await decryptor.update(message.subarray(at, at + piece)));
          at += piece;
        }
        out.push(await decryptor.final());
        expect(Buffer.from(concat(out)).equals(plaintext)).toBe(true);
        expect(decryptor.header?.encryptionContext).toEqual({ bucket: 'b', key: 'k' });
      }
    }
  });

  it('fails on any changed header byte, changed frame byte, and reordered, dropped, duplicated, truncated or appended frames', async () => {
    const { materials, resolve } = localMaterials();
    const frameBytes = 32;
    const message = encryptMessage(materials, rng.bytes(100), { frameBytes }); // 3 regular frames + final (4 bytes)
    const body = message.length - (3 * (4 + frameBytes + 16) + 12 + 4 + 16);
    for (let i = 0; i < message.length; i++) {
      const tampered = message.slice();
      tampered[i]! ^= 0x01;
      await expectRejected(resolve, tampered, `byte ${i} (header ends at ${body})`);
    }
    const frame = (n: number) => message.subarray(body + n * 52, body + (n + 1) * 52);
    const finalFrame = message.subarray(body + 3 * 52);
    const header = message.subarray(0, body);
    await expectRejected(resolve, concat([header, frame(1), frame(0), frame(2), finalFrame]), 'reordered');
    await expectRejected(resolve, concat([header, frame(0), frame(2), finalFrame]), 'dropped');
    await expectRejected(resolve, concat([header, frame(0), frame(0), frame(1), frame(2), finalFrame]), 'duplicated');
    await expectRejected(resolve, concat([header, frame(0), frame(1), frame(2)]), 'truncated before the final frame');
    await expectRejected(resolve, message.subarray(0, message.length - 1), 'truncated inside the final frame');
    await expectRejected(resolve, concat([message, new Uint8Array([0])]), 'appended');
    await expectRejected(resolve, header, 'only a header');
    const other = localMaterials();
    await expectRejected(other.resolve, message, 'another data key');
  });

  it('a stream releases the frames before a tampered one, and errors at it', async () => {
    const { materials, resolve } = localMaterials();
    const plaintext = rng.bytes(10 * 1024);
    const message = encryptMessage(materials, plaintext, { frameBytes: 1024 });
    message[message.length - 2000]! ^= 1; // inside a late frame
    const decryptor = new FramedDecryptor(resolve);
    await expect(decryptor.update(message)).rejects.toThrow(AuthenticationError);
    const fresh = new FramedDecryptor(resolve);
    const early = await fresh.update(message.subarray(0, 4 * 1100));
    expect(Buffer.from(early).equals(plaintext.subarray(0, early.length))).toBe(true);
    expect(early.length % 1024).toBe(0);
  });

  it('works as Web streams and as Node streams', async () => {
    const { materials, resolve } = localMaterials();
    const plaintext = rng.bytes(300_000);
    const source = () => new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < plaintext.length; at += 7777) controller.enqueue(plaintext.subarray(at, at + 7777));
        controller.close();
      },
    });
    const collect = async (stream: ReadableStream<Uint8Array>) => {
      const parts: Uint8Array[] = [];
      for await (const part of stream as unknown as AsyncIterable<Uint8Array>) parts.push(part);
      return concat(parts);
    };
    const sealed = await collect(source().pipeThrough(encryptStream({ ...materials, dataKey: materials.dataKey.slice() })));
    expect(Buffer.from(await collect(new Blob([sealed as Uint8Array<ArrayBuffer>]).stream().pipeThrough(decryptStream(resolve)))).equals(plaintext)).toBe(true);

    const encrypted: Buffer[] = [];
    await pipeline(Readable.from([plaintext.subarray(0, 1000), plaintext.subarray(1000)]), toNodeDuplex(encryptStream(materials)),
      async function* (chunks: AsyncIterable<Uint8Array>) { for await (const c of chunks) encrypted.push(Buffer.from(c)); });
    const decrypted: Buffer[] = [];
    await pipeline(Readable.from([Buffer.concat(encrypted)]), toNodeDuplex(decryptStream(resolve)),
      async function* (chunks: AsyncIterable<Uint8Array>) { for await (const c of chunks) decrypted.push(Buffer.from(c)); });
    expect(Buffer.concat(decrypted).equals(plaintext)).toBe(true);
  });

  // A user's pipeline() broke when toNodeDuplex returned a Promise: it must be a Duplex at once.
  it('toNodeDuplex returns a Duplex synchronously, and says so where Node cannot give one', () => {
    const { materials } = localMaterials();
    expect(toNodeDuplex(encryptStream(materials))).toBeInstanceOf(Duplex);
    const original = process.getBuiltinModule;
    (process as { getBuiltinModule?: unknown }).getBuiltinModule = undefined;
    try {
      expect(() => toNodeDuplex(encryptStream(materials))).toThrow('toNodeDuplex needs Node.js 20.16 or later');
    } finally {
      process.getBuiltinModule = original;
    }
  });

  it('decrypts a byte range reading only the header and the frames it needs', async () => {
    const { materials, resolve } = localMaterials();
    const frameBytes = 4096;
    const plaintext = rng.bytes(50 * frameBytes + 123);
    const message = encryptMessage(materials, plaintext, { frameBytes });
    for (const [start, end] of [[0, 1], [4095, 4097], [10_000, 30_000], [plaintext.length - 5, plaintext.length + 100], [0, plaintext.length], [500, 500]]) {
      let bytesRead = 0;
      const read = async (offset: number, length: number) => {
        bytesRead += Math.min(length, message.length - offset);
        return message.slice(offset, offset + length);
      };
      const { plaintext: range, totalBytes } = await decryptRange(read, message.length, start!, end!, resolve);
      expect(totalBytes).toBe(plaintext.length);
      expect(Buffer.from(range).equals(plaintext.subarray(start, end))).toBe(true);
      const frames = end! > start! ? Math.floor((Math.min(end!, plaintext.length) - 1) / frameBytes) - Math.floor(start! / frameBytes) + 1 : 0;
      expect(bytesRead).toBeLessThanOrEqual(4096 + frames * (frameBytes + 20 + 12));
    }
    const tampered = message.slice();
    tampered[message.length - 100]! ^= 1;
    await expect(decryptRange(async (o, l) => tampered.slice(o, o + l), tampered.length, plaintext.length - 10, plaintext.length, resolve))
      .rejects.toThrow(AuthenticationError);
    // A wrong total length moves the final frame: a range that reaches it notices.
    await expect(decryptRange(async (o, l) => message.slice(o, o + l), message.length - 1, plaintext.length - 10, plaintext.length, resolve))
      .rejects.toThrow(MessageFormatError);
  });

  it('keeps an encryption context key named __proto__ as written, and refuses a header that repeats a key', async () => {
    const dataKey = rng.bytes(32);
    const resolve = async () => dataKey.slice();
    const wrappedKeys = [{ providerId: 'test', keyId: 'k1', blob: rng.bytes(40) }];
    const parsed = JSON.parse('{"__proto__": "x", "a": "b"}') as Record<string, string>; // an own key, as JSON gives it
    const decryptor = new FramedDecryptor(resolve);
    await decryptor.update(encryptMessage({ dataKey: dataKey.slice(), encryptionContext: parsed, wrappedKeys }, rng.bytes(10)));
    await decryptor.final();
    expect(Object.entries(decryptor.header!.encryptionContext)).toEqual([['__proto__', 'x'], ['a', 'b']]);

    // "ab" rewritten to "aa" in the header: refused as malformed before the header tag is checked.
    const message = encryptMessage({ dataKey: dataKey.slice(), encryptionContext: { aa: '1', ab: '2' }, wrappedKeys }, rng.bytes(10));
    const at = message.findIndex((_, i) => message[i] === 0 && message[i + 1] === 2 && message[i + 2] === 0x61 && message[i + 3] === 0x62);
    message[at + 3] = 0x61;
    await expect(decryptMessage(resolve, message)).rejects.toThrow(/repeats the key "aa"/);
  });

  it('final() also takes a last chunk, so a message held in pieces needs no joining first', async () => {
    for (const frameBytes of [16, 4096]) {
      const { materials, resolve } = localMaterials();
      const [head, tail] = [rng.bytes(3 * frameBytes + 5), rng.bytes(2 * frameBytes + 7)];
      const encryptor = new FramedEncryptor(materials, { frameBytes });
      const message = concat([encryptor.update(head), encryptor.final(tail)]);
      expect(Buffer.from(await decryptMessage(resolve, message)).equals(Buffer.concat([head, tail]))).toBe(true);
      expect(() => encryptor.final()).toThrow(/finished/);
    }
  });

  it('checks its inputs', () => {
    const { materials } = localMaterials();
    expect(() => encryptMessage({ ...materials, dataKey: new Uint8Array(16) }, new Uint8Array(1))).toThrow(/dataKey/);
    expect(() => encryptMessage({ ...materials, wrappedKeys: [] }, new Uint8Array(1))).toThrow(/wrappedKeys/);
    expect(() => encryptMessage(materials, new Uint8Array(1), { frameBytes: 0 })).toThrow(/frameBytes/);
    expect(() => encryptMessage(materials, new Uint8Array(1), { frameBytes: 2 ** 25 })).toThrow(/frameBytes/);
  });
});

describe('KMS keyring', () => {
  it('wraps the data key under a KMS key with the message context, and unwraps it for callers the key allows', async () => {
    const kms = new KeyManagementService({ account: '111122223333', region: 'us-east-1' });
    const { KeyMetadata } = await kms.createKey();
    const materials = await kmsEncryptionMaterials(kms, { KeyId: KeyMetadata.KeyId, EncryptionContext: { object: 'a.txt' } });
    expect(materials.wrappedKeys[0]).toMatchObject({ providerId: 'aws-kms', keyId: KeyMetadata.Arn });
    const message = encryptMessage(materials, new TextEncoder().encode('through KMS'));
    expect(materials.dataKey.every((b) => b === 0)).toBe(false); // the caller owns it; the encryptor derived its own key
    expect(new TextDecoder().decode(await decryptMessage(kmsDataKeyResolver(kms), message))).toBe('through KMS');
    await expect(decryptMessage(kmsDataKeyResolver(kms, { principal: 'arn:aws:iam::111122223333:user/eve' }), message))
      .rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});
