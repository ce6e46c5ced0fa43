// The envelope format against a second implementation of docs/format.md (test/helpers/envelope-reference.ts,
// node:crypto only): each side decrypts what the other wrote, byte for byte. Then an attacker's
// messages: frames sealed under the right key that break the format's rules (so only the
// decryptor's own checks can catch them), and forged frames without the key.
import { describe, expect, it } from 'vitest';
import {
  AuthenticationError, decryptMessage, decryptRange, encryptMessage, FramedDecryptor, MessageFormatError,
} from '../../src/index.js';
import {
  referenceDecrypt, referenceFrames, referenceHeaderBody, referenceMessage, type ReferenceFrame, type ReferenceHeader,
} from '../helpers/envelope-reference.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const rng = new SeededRandom(2122);

// Keys whose UTF-8 order differs from JavaScript's UTF-16 order (U+FF5E sorts before U+1F600 in
// UTF-16, after it in UTF-8), non-ASCII values, an empty value.
const CONTEXT = { b: '2', a: '1', '\u{1F600}': 'smile', '\uFF5E': 'tilde', 'aws:s3:arn': 'arn:aws:s3:::bucket/k\u00e9y', empty: '' };
const WRAPPED = [{ providerId: 'aws-kms', keyId: 'arn:aws:kms:us-east-1:111122223333:key/1', blob: rng.bytes(100) }, { providerId: 'other', keyId: 'x', blob: new Uint8Array(0) }];

function fixture(frameBytes = 16) {
  const dataKey = rng.bytes(32);
  const header: ReferenceHeader = { messageId: rng.bytes(32), frameBytes, context: CONTEXT, wrappedKeys: WRAPPED };
  return { dataKey, header, resolve: async () => dataKey.slice() };
}

/** Refused, with the error type given, by the whole-message decryptor, by a byte-at-a-time stream, and by the reference. */
async function expectRefused(dataKey: Uint8Array, message: Uint8Array, type: typeof AuthenticationError | typeof MessageFormatError, what: string) {
  const resolve = async () => dataKey.slice();
  await expect(decryptMessage(resolve, message), what).rejects.toThrow(type);
  const stream = new FramedDecryptor(resolve);
  const released: number[] = [];
  let error: unknown;
  try {
    for (let i = 0; i < message.length; i++) released.push((await stream.update(message.subarray(i, i + 1))).length);
    await stream.final();
  } catch (e) {
    error = e;
  }
  expect(error, `${what} (streamed)`).toBeInstanceOf(type);
  expect(() => referenceDecrypt(dataKey, message), `${what} (reference)`).toThrow();
}

describe('envelope format: differential against docs/format.md written again with node:crypto', () => {
  it('the reference decrypts what we encrypt: plaintext, context (UTF-8 key order), wrapped keys and frame size', () => {
    for (const frameBytes of [1, 16, 4096]) {
      for (const size of [0, 1, frameBytes - 1, frameBytes, frameBytes + 1, 3 * frameBytes, 3 * frameBytes + 5]) {
        const dataKey = rng.bytes(32);
        const plaintext = rng.bytes(size);
        const message = encryptMessage({ dataKey: dataKey.slice(), encryptionContext: CONTEXT, wrappedKeys: WRAPPED }, plaintext, { frameBytes });
        const { header, plaintext: decrypted } = referenceDecrypt(dataKey, message);
        expect(decrypted.equals(plaintext), `frame ${frameBytes}, size ${size}`).toBe(true);
        expect(header.context).toEqual(CONTEXT);
        expect(header.wrappedKeys).toEqual(WRAPPED);
        expect(header.frameBytes).toBe(frameBytes);
        // The header's bytes are exactly the reference's for the same fields (pair order included).
        const body = referenceHeaderBody(header);
        expect(Buffer.from(message.subarray(0, body.length)).equals(body)).toBe(true);
      }
    }
  });

  it('we decrypt what the reference encrypts: whole, streamed byte by byte, and every range', async () => {
    for (const size of [0, 1, 15, 16, 17, 48, 53]) {
      const { dataKey, header, resolve } = fixture();
      const plaintext = rng.bytes(size);
      const message = referenceMessage(dataKey, header, referenceFrames(plaintext, 16));
      expect(Buffer.from(await decryptMessage(resolve, message)).equals(plaintext)).toBe(true);
      const stream = new FramedDecryptor(resolve);
      const parts: Uint8Array[] = [];
      for (let i = 0; i < message.length; i++) parts.push(await stream.update(message.subarray(i, i + 1)));
      parts.push(await stream.final());
      expect(Buffer.concat(parts).equals(plaintext)).toBe(true);
      expect(stream.header?.encryptionContext).toEqual(CONTEXT);
      expect(stream.header?.wrappedKeys).toEqual(WRAPPED);
      const read = async (offset: number, length: number) => message.subarray(offset, offset + length);
      for (let start = 0; start <= size; start += 5) {
        for (const end of [start, start + 1, start + 16, size + 3]) {
          const range = await decryptRange(read, message.length, start, end, resolve);
          expect(range.totalBytes).toBe(size);
          expect(Buffer.from(range.plaintext).equals(plaintext.subarray(start, end)), `size ${size}, ${start}-${end}`).toBe(true);
        }
      }
    }
  });
});

describe('envelope format: messages an attacker builds', () => {
  const plaintext = rng.bytes(40); // two regular frames of 16 and a final frame of 8
  const frames = (): ReferenceFrame[] => referenceFrames(plaintext, 16);

  it('frames sealed under the right key but numbered from 0, skipping, repeating or going back: refused', async () => {
    const { dataKey, header } = fixture();
    const renumber = (numbers: number[]) => frames().map((f, i) => ({ ...f, number: numbers[i]! }));
    for (const numbers of [[0, 1, 2], [1, 3, 4], [1, 1, 2], [2, 1, 3], [1, 2, 2], [1, 2, 4]]) {
      await expectRefused(dataKey, referenceMessage(dataKey, header, renumber(numbers)), MessageFormatError, `frames numbered ${numbers.join(',')}`);
    }
    await expect(decryptMessage(async () => dataKey.slice(), referenceMessage(dataKey, header, renumber([1, 3, 4])))).rejects.toThrow(/^frame 3 where frame 2 was expected \(reordered, dropped or duplicated\)$/);
  });

  it('a message without its final frame, with two, or with bytes after it: refused', async () => {
    const { dataKey, header } = fixture();
    const [one, two, last] = frames();
    await expectRefused(dataKey, referenceMessage(dataKey, header, [one!, two!]), MessageFormatError, 'no final frame');
    await expectRefused(dataKey, referenceMessage(dataKey, header, []), MessageFormatError, 'a header alone');
    await expectRefused(dataKey, referenceMessage(dataKey, header, [one!, two!, last!, { ...last!, number: 4 }]), MessageFormatError, 'two final frames');
    await expectRefused(dataKey, Buffer.concat([referenceMessage(dataKey, header, frames()), Buffer.from([0xff, 0xff, 0xff, 0xff])]), MessageFormatError, 'a marker after the end');
  });

  it('a final frame holding a whole frame (c = F, which the format allows) decrypts whole and by range', async () => {
    const { dataKey, header, resolve } = fixture();
    const message = referenceMessage(dataKey, header, [{ number: 1, final: false, content: plaintext.subarray(0, 16) }, { number: 2, final: true, content: plaintext.subarray(16, 32) }]);
    expect(Buffer.from(await decryptMessage(resolve, message)).equals(plaintext.subarray(0, 32))).toBe(true);
    const range = await decryptRange(async (o, l) => message.subarray(o, o + l), message.length, 10, 32, resolve);
    expect(range.totalBytes).toBe(32);
    expect(Buffer.from(range.plaintext).equals(plaintext.subarray(10, 32))).toBe(true);
  });

  it('a final frame claiming more than a frame holds, or a length other than its own: refused', async () => {
    const { dataKey, header } = fixture();
    const [one, two] = frames();
    const long = { number: 3, final: true, content: rng.bytes(17) };
    await expectRefused(dataKey, referenceMessage(dataKey, header, [one!, two!, long]), MessageFormatError, 'final frame of 17 > 16 bytes');
    await expect(decryptMessage(async () => dataKey.slice(), referenceMessage(dataKey, header, [one!, two!, long]))).rejects.toThrow(/^final frame claims 17 bytes, more than a frame holds$/);
    const last = frames()[2]!;
    await expectRefused(dataKey, referenceMessage(dataKey, header, [one!, two!, { ...last, length: 7 }]), AuthenticationError, 'final frame claiming 7 of its 8 bytes');
    const refusedLonger = referenceMessage(dataKey, header, [one!, two!, { ...last, length: 9 }]);
    await expect(decryptMessage(async () => dataKey.slice(), refusedLonger)).rejects.toThrow(MessageFormatError); // it ends inside the frame
  });

  it('a frame whose AAD says another number, another final flag or another length, or whose IV is another frame\'s: refused as unauthentic', async () => {
    const { dataKey, header } = fixture();
    const cases: Array<[string, (f: ReferenceFrame[]) => void]> = [
      ['regular frame sealed as final', (f) => { f[1]!.aad = { final: true }; }],
      ['final frame sealed as regular', (f) => { f[2]!.aad = { final: false }; }],
      ['regular frame sealed with the final frame\'s length', (f) => { f[0]!.aad = { length: 8 }; }],
      ['final frame sealed with a regular frame\'s length', (f) => { f[2]!.aad = { length: 16 }; }],
      ['frame sealed under another number', (f) => { f[1]!.aad = { number: 1 }; }],
      ['frame encrypted with the IV of another', (f) => { f[1]!.nonceNumber = 1; }],
    ];
    for (const [what, change] of cases) {
      const list = frames();
      change(list);
      await expectRefused(dataKey, referenceMessage(dataKey, header, list), AuthenticationError, what);
    }
  });

  it('a regular frame relabelled final (and the rest cut off): its AAD said "not final", so truncation is noticed', async () => {
    const { dataKey, header } = fixture();
    const [one, two] = frames();
    const message = referenceMessage(dataKey, header, [one!, two!]);
    // Without the key: rewrite frame 2's 4-byte prefix as a final frame's 12 (marker, number, length 16).
    const body = message.length - 2 * (4 + 16 + 16);
    const second = message.subarray(body + 36);
    const forged = Buffer.concat([message.subarray(0, body + 36), Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 2, 0, 0, 0, 16]), second.subarray(4)]);
    await expectRefused(dataKey, forged, AuthenticationError, 'regular frame 2 relabelled final');
  });

  it('cut at a frame boundary and an empty final frame appended, with a guessed tag: refused, nothing released', async () => {
    const { dataKey, header } = fixture();
    const [one] = frames();
    const cut = referenceMessage(dataKey, header, [one!]);
    for (const tag of [new Uint8Array(16), new Uint8Array(16).fill(0xff), rng.bytes(16)]) {
      const forged = Buffer.concat([cut, Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 2, 0, 0, 0, 0]), tag]);
      await expectRefused(dataKey, forged, AuthenticationError, 'forged empty final frame');
    }
    // The same with the frame's tag taken from the real (non-empty) final frame of another message under the key.
    const other = referenceMessage(dataKey, header, [one!, { number: 2, final: true, content: new Uint8Array(0) }]);
    const stolenTag = other.subarray(other.length - 16);
    const spliced = Buffer.concat([cut, Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 3, 0, 0, 0, 0]), stolenTag]);
    await expectRefused(dataKey, spliced, MessageFormatError, 'an empty final frame moved to another number');
  });

  it('a header whose fields break the rules, with a valid tag: refused before any frame', async () => {
    const { dataKey, header } = fixture();
    const tooLarge = 16 * 1024 * 1024 + 1;
    // Each with frames that would fit its frame size, so only the header check can refuse it.
    const cases: Array<[RegExp, Buffer, ReferenceFrame[]]> = [
      [/^unsupported algorithm 0x2$/, referenceHeaderBody(header, { algorithm: 2 }), frames()],
      [/^unsupported format version 2$/, referenceHeaderBody(header, { version: 2 }), frames()],
      [/^frame size 0 is out of range$/, referenceHeaderBody({ ...header, frameBytes: 0 }), [{ number: 1, final: true, content: new Uint8Array(0) }]],
      [/^frame size 16777217 is out of range$/, referenceHeaderBody({ ...header, frameBytes: tooLarge }), referenceFrames(plaintext, tooLarge)],
      [/^the header carries no wrapped data key$/, referenceHeaderBody({ ...header, wrappedKeys: [] }), frames()],
    ];
    for (const [message, body, list] of cases) {
      await expectRefused(dataKey, referenceMessage(dataKey, header, list, body), MessageFormatError, String(message));
      await expect(decryptMessage(async () => dataKey.slice(), referenceMessage(dataKey, header, list, body))).rejects.toMatchObject({ name: 'MessageFormatError', message: expect.stringMatching(message) });
    }
    const magic = referenceHeaderBody(header);
    magic[3] = 0x32; // "KWE2"
    await expectRefused(dataKey, referenceMessage(dataKey, header, frames(), magic), MessageFormatError, 'bad magic');
    await expect(decryptMessage(async () => dataKey.slice(), referenceMessage(dataKey, header, frames(), magic))).rejects.toThrow(/^not a kms-wasm envelope message \(bad magic\)$/);
    // The largest frame size is allowed.
    const largest = { ...header, frameBytes: 16 * 1024 * 1024 };
    expect(Buffer.from(await decryptMessage(async () => dataKey.slice(), referenceMessage(dataKey, largest, referenceFrames(plaintext, largest.frameBytes)))).equals(plaintext)).toBe(true);
  });

  it('a header string that is not UTF-8: refused as malformed', async () => {
    const { dataKey, header } = fixture();
    const body = referenceHeaderBody({ ...header, context: { k: 'v' } });
    const at = body.indexOf(Buffer.from([0, 1, 0x76])); // the value "v"
    body[at + 2] = 0xc3; // a lone UTF-8 lead byte
    await expect(decryptMessage(async () => dataKey.slice(), referenceMessage(dataKey, header, frames(), body))).rejects.toThrow(/UTF-8/);
  });
});
