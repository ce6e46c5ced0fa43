// Every message key the envelope derives is zeroed once the message is done with it: finished,
// failed, disposed or range-read; and every data key a resolver hands over is zeroed once the
// message key is derived. deriveMessageKey is wrapped to keep each key it returns, so the test
// can look at them afterwards.
import { describe, expect, it, vi } from 'vitest';
import { decryptMessage, decryptRange, encryptMessage, FramedDecryptor, FramedEncryptor, type EncryptionMaterials } from '../../src/index.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const derived: Uint8Array[] = [];
vi.mock('../../src/envelope/materials.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/envelope/materials.js')>();
  return {
    ...original,
    deriveMessageKey: (dataKey: Uint8Array, messageId: Uint8Array) => {
      const key = original.deriveMessageKey(dataKey, messageId);
      derived.push(key);
      return key;
    },
  };
});

const rng = new SeededRandom(2124);
const zero = (bytes: Uint8Array) => bytes.every((b) => b === 0);

function fixture() {
  const dataKey = rng.bytes(32);
  const handedOut: Uint8Array[] = [];
  const materials: EncryptionMaterials = { dataKey: dataKey.slice(), encryptionContext: {}, wrappedKeys: [{ providerId: 'test', keyId: 'k', blob: rng.bytes(8) }] };
  const resolve = async () => {
    const copy = dataKey.slice();
    handedOut.push(copy);
    return copy;
  };
  return { materials, resolve, handedOut };
}

/** The message keys derived while `run` ran. */
async function keysDerivedBy(run: () => unknown): Promise<Uint8Array[]> {
  const before = derived.length;
  await run();
  return derived.slice(before);
}

describe('envelope key zeroing', () => {
  it('the encryptor zeroes its message key and buffered plaintext on final() and on dispose()', async () => {
    const { materials } = fixture();
    for (const end of ['final', 'dispose'] as const) {
      let encryptor!: FramedEncryptor;
      const [key] = await keysDerivedBy(() => { encryptor = new FramedEncryptor({ ...materials, dataKey: materials.dataKey.slice() }, { frameBytes: 64 }); });
      encryptor.update(rng.bytes(100)); // 36 bytes wait in the pending frame
      const pending = (encryptor as unknown as { pending: Uint8Array }).pending;
      expect(zero(key!) || zero(pending)).toBe(false);
      if (end === 'final') encryptor.final();
      else encryptor.dispose();
      expect(zero(key!), end).toBe(true);
      expect(zero(pending), end).toBe(true);
    }
  });

  it('the decryptor zeroes the resolver\'s data key at once, and its message key at the end, after a bad frame, and after a bad header tag', async () => {
    const { materials, resolve, handedOut } = fixture();
    const message = encryptMessage(materials, rng.bytes(300), { frameBytes: 64 });
    const ok = await keysDerivedBy(() => decryptMessage(resolve, message));
    expect(ok).toHaveLength(1);
    expect(zero(ok[0]!)).toBe(true);
    expect(handedOut.every(zero)).toBe(true);

    const badFrame = message.slice();
    badFrame[badFrame.length - 40]! ^= 1;
    const failed = await keysDerivedBy(() => expect(decryptMessage(resolve, badFrame)).rejects.toThrow());
    expect(failed.every(zero)).toBe(true);

    const badHeader = message.slice();
    badHeader[12]! ^= 1; // inside the message id: another message key, so the header tag fails
    const refused = await keysDerivedBy(() => expect(decryptMessage(resolve, badHeader)).rejects.toThrow(/header does not authenticate/));
    expect(refused).toHaveLength(1);
    expect(zero(refused[0]!)).toBe(true);
    expect(handedOut.every(zero)).toBe(true);
  });

  it('a decryptor that fails on a bad chunk zeroes its message key, and refuses further use', async () => {
    const { materials, resolve } = fixture();
    const message = encryptMessage(materials, rng.bytes(300), { frameBytes: 64 });
    const decryptor = new FramedDecryptor(resolve);
    const [key] = await keysDerivedBy(() => decryptor.update(message.subarray(0, 200)));
    expect(zero(key!)).toBe(false); // live while the message is open
    const rest = message.slice(200);
    rest[10]! ^= 1;
    await expect(decryptor.update(rest)).rejects.toThrow();
    expect(zero(key!)).toBe(true);
    await expect(decryptor.update(new Uint8Array(1))).rejects.toThrow(/already failed/);
    await expect(decryptor.final()).rejects.toThrow(/already failed/);
  });

  it('a message that ends early zeroes its message key on final()', async () => {
    const { materials, resolve } = fixture();
    const message = encryptMessage(materials, rng.bytes(300), { frameBytes: 64 });
    const decryptor = new FramedDecryptor(resolve);
    const [key] = await keysDerivedBy(() => decryptor.update(message.subarray(0, message.length - 1)));
    await expect(decryptor.final()).rejects.toThrow(/truncated/);
    expect(zero(key!)).toBe(true);
  });

  it('a ranged read zeroes its message key, whether it succeeds or fails', async () => {
    const { materials, resolve } = fixture();
    const message = encryptMessage(materials, rng.bytes(300), { frameBytes: 64 });
    const read = async (offset: number, length: number) => message.subarray(offset, offset + length);
    const ok = await keysDerivedBy(() => decryptRange(read, message.length, 10, 100, resolve));
    expect(ok.every(zero)).toBe(true);
    const failed = await keysDerivedBy(() => expect(decryptRange(read, message.length + 1, 290, 300, resolve)).rejects.toThrow());
    expect(failed).toHaveLength(1);
    expect(failed.every(zero)).toBe(true);
  });
});
