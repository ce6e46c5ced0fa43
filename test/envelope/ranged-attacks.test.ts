// Ranged reads of a message an attacker has edited without the key, or whose length a caller gets
// wrong: the frame prefixes are not under any tag, so the ranged reader must refuse a prefix that
// does not say what the layout says, as the whole-message decryptor does.
import { describe, expect, it } from 'vitest';
import { AuthenticationError, decryptMessage, decryptRange, encryptMessage, MessageFormatError, type EncryptionMaterials } from '../../src/index.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const rng = new SeededRandom(2123);
const F = 16;
const R = 4 + F + 16; // a regular frame's bytes

function sealed(size: number, encryptionContext: Record<string, string> = { k: 'v' }) {
  const dataKey = rng.bytes(32);
  const materials: EncryptionMaterials = { dataKey: dataKey.slice(), encryptionContext, wrappedKeys: [{ providerId: 'test', keyId: 'k', blob: rng.bytes(8) }] };
  const plaintext = rng.bytes(size);
  const message = encryptMessage(materials, plaintext, { frameBytes: F });
  const headerBytes = message.length - (Math.floor(size / F) * R + 12 + (size % F) + 16);
  return { plaintext, message, headerBytes, resolve: async () => dataKey.slice() };
}

const reader = (bytes: Uint8Array) => async (offset: number, length: number) => bytes.subarray(offset, offset + length);

describe('ranged reads of edited messages', () => {
  it('a regular frame\'s number rewritten, or its prefix turned into a final frame\'s marker: refused, as by the whole-message decryptor', async () => {
    const { message, headerBytes, resolve } = sealed(3 * F + 5);
    const numbered = message.slice();
    numbered[headerBytes + R + 3] = 7; // frame 2 says it is frame 7
    const marked = message.slice();
    marked.set([0xff, 0xff, 0xff, 0xff], headerBytes + R); // frame 2 says it is a final frame
    const disguised = message.slice(); // ... a whole final frame's prefix, its number and length right
    disguised.set([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 2, 0, 0, 0, F], headerBytes + R);
    for (const [what, edited] of [['renumbered', numbered], ['marked final', marked], ['disguised as final', disguised]] as const) {
      await expect(decryptRange(reader(edited), edited.length, F, 2 * F, resolve), what).rejects.toThrow(/^frame 2 is not where the layout puts it/);
      await expect(decryptMessage(resolve, edited), what).rejects.toThrow();
      expect(Buffer.from((await decryptRange(reader(edited), edited.length, 0, F, resolve)).plaintext)).toHaveLength(F); // frame 1 untouched
    }
  });

  it('the final frame\'s number, marker or length field rewritten: refused', async () => {
    const { message, headerBytes, resolve } = sealed(3 * F + 5);
    const final = headerBytes + 3 * R;
    const edits: Array<[string, (m: Uint8Array) => void]> = [
      ['number', (m) => { m[final + 7] = 9; }],
      ['marker', (m) => { m[final] = 0; }],
      ['length', (m) => { m[final + 11] = 4; }],
    ];
    for (const [what, edit] of edits) {
      const edited = message.slice();
      edit(edited);
      await expect(decryptRange(reader(edited), edited.length, 3 * F, 3 * F + 5, resolve), what).rejects.toThrow(MessageFormatError);
    }
  });

  it('a reader that returns less than asked (a file cut short under the caller): refused, not read past', async () => {
    const { message, resolve } = sealed(3 * F + 5);
    const short = async (offset: number, length: number) => message.subarray(offset, Math.min(offset + length, message.length - 20));
    await expect(decryptRange(short, message.length, 3 * F, 3 * F + 5, resolve)).rejects.toThrow(/^frame 4 is cut short: the message is shorter than its length says$/);
  });

  it('a total length that is wrong: longer by less than a frame (the final frame would exceed F) or shorter than a final frame', async () => {
    const { message, headerBytes, resolve } = sealed(2 * F); // final frame empty
    const padded = new Uint8Array(message.length + F + 1);
    padded.set(message);
    await expect(decryptRange(reader(padded), padded.length, 0, 1, resolve)).rejects.toThrow(/length does not match/);
    await expect(decryptRange(reader(message), headerBytes + 27, 0, 1, resolve)).rejects.toThrow(/truncated/);
    // Cut to the size of an empty message: the range reaches the end, so the final frame is checked, and what is there is frame 1.
    await expect(decryptRange(reader(message), headerBytes + 28, 0, 1, resolve)).rejects.toThrow(/not where the layout puts it/);
    await expect(decryptRange(reader(message), headerBytes - 1, 0, 1, resolve)).rejects.toThrow(/ends inside its header/);
  });

  it('a range reaching the end checks the final frame even when it holds no plaintext (a length that is a multiple of F): a flipped byte there fails', async () => {
    for (const length of [0, 2 * F]) {
      const { message, resolve } = sealed(length);
      expect((await decryptRange(reader(message), message.length, 0, length, resolve)).totalBytes).toBe(length);
      for (const at of [message.length - 1, message.length - 16]) { // the final frame's tag
        const flipped = message.slice();
        flipped[at]! ^= 1;
        await expect(decryptRange(reader(flipped), flipped.length, 0, length, resolve)).rejects.toThrow(AuthenticationError);
        await expect(decryptRange(reader(flipped), flipped.length, length, length, resolve)).rejects.toThrow(AuthenticationError);
      }
    }
  });

  it('a header longer than the first read (a large encryption context) is read in full; a bad range is refused', async () => {
    const context = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`key-${i}`, 'v'.repeat(500)]));
    const { plaintext, message, resolve } = sealed(5 * F + 3, context);
    const reads: number[] = [];
    const counting = async (offset: number, length: number) => {
      if (offset + length > message.length) throw new Error(`read past the end: ${offset}+${length}`); // as a strict file reader would
      reads.push(length);
      return message.subarray(offset, offset + length);
    };
    const range = await decryptRange(counting, message.length, 2 * F + 1, 4 * F, resolve);
    expect(Buffer.from(range.plaintext).equals(plaintext.subarray(2 * F + 1, 4 * F))).toBe(true);
    expect(reads[0]).toBe(4096);
    // A header just over the first read, in a short message: the second read stops at the message's end.
    const medium = sealed(3, Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`key-${i}`, 'v'.repeat(500)])));
    const strict = async (offset: number, length: number) => {
      if (offset + length > medium.message.length) throw new Error(`read past the end: ${offset}+${length}`);
      return medium.message.subarray(offset, offset + length);
    };
    expect(Buffer.from((await decryptRange(strict, medium.message.length, 0, 3, medium.resolve)).plaintext).equals(medium.plaintext)).toBe(true);
    for (const [start, end] of [[-1, 4], [2, 1], [0.5, 4], [0, Number.NaN], [0, 2 ** 53]]) {
      await expect(decryptRange(counting, message.length, start!, end!, resolve), `${start}-${end}`).rejects.toThrow(/invalid range/);
    }
  });

  it('a frame\'s ciphertext changed: the range that reads it fails; ranges that do not read it still decrypt', async () => {
    const { plaintext, message, headerBytes, resolve } = sealed(3 * F + 5);
    const edited = message.slice();
    edited[headerBytes + R + 4 + 3]! ^= 1; // inside frame 2's ciphertext
    await expect(decryptRange(reader(edited), edited.length, F + 2, F + 3, resolve)).rejects.toThrow(AuthenticationError);
    const other = await decryptRange(reader(edited), edited.length, 2 * F, 3 * F + 5, resolve);
    expect(Buffer.from(other.plaintext).equals(plaintext.subarray(2 * F))).toBe(true);
  });
});
