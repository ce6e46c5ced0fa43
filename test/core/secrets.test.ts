// Key schedules and plaintext do not outlive the call (one-shot) or the object (streams, XTS):
// after use, WASM memory is byte-for-byte what it was before, and while an object is live it is not
// (so each test can fail). Plaintext is also searched for directly.
import { describe, expect, it } from 'vitest';
import { createGcmDecryptor, createGcmEncryptor, gcm, xts } from '../../src/index.js';
import { wasm } from '../../src/core/wasm-runtime.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const snapshot = (): Buffer => Buffer.from(wasm().bytes());

/** True when memory equals `before` (memory that grew since must be all zero). */
function unchangedSince(before: Buffer): boolean {
  const now = snapshot();
  return now.subarray(0, before.length).equals(before) && now.subarray(before.length).every((b) => b === 0);
}

const inWasmMemory = (needle: Uint8Array): boolean => snapshot().indexOf(Buffer.from(needle)) !== -1;

describe('secrets in WASM memory', () => {
  const rng = new SeededRandom(40);
  wasm(); // load the module first (and no GCM code while the file loads: mutation testing counts that as run by every test)

  it.each([false, true])('one-shot GCM (constantTime: %s) leaves memory as it found it, on success or a bad tag', (constantTime) => {
    const [key, iv, plaintext] = [rng.bytes(32), rng.bytes(12), rng.bytes(100_000)];
    const before = snapshot();
    const sealed = gcm(key, iv, undefined, { constantTime }).encrypt(plaintext);
    gcm(key, iv, undefined, { constantTime }).decrypt(sealed);
    expect(unchangedSince(before)).toBe(true);
    sealed[sealed.length - 1]! ^= 1;
    expect(() => gcm(key, iv, undefined, { constantTime }).decrypt(sealed)).toThrow();
    expect(unchangedSince(before)).toBe(true);
    expect(inWasmMemory(plaintext.subarray(0, 64))).toBe(false);
  });

  it('a GCM stream holds its state until final() or dispose(), then zeroes it', () => {
    const [key, iv] = [rng.bytes(32), rng.bytes(12)];
    const before = snapshot();
    const encryptor = createGcmEncryptor(key, iv);
    encryptor.update(rng.bytes(100));
    expect(unchangedSince(before)).toBe(false);
    encryptor.final();
    expect(unchangedSince(before)).toBe(true);

    const decryptor = createGcmDecryptor(key, iv);
    expect(unchangedSince(before)).toBe(false);
    decryptor.dispose();
    expect(unchangedSince(before)).toBe(true);
  });

  it('an XTS cipher holds its key schedules until dispose(), and never the raw key', () => {
    const key = rng.bytes(64);
    const data = rng.bytes(8192);
    const before = snapshot();
    const cipher = xts(key);
    const sealed = cipher.encryptSectors(data, 3n);
    cipher.decryptSectors(sealed, 3n);
    cipher.encrypt(data.subarray(0, 100), rng.bytes(16)); // ciphertext stealing path
    expect(unchangedSince(before)).toBe(false);
    expect(inWasmMemory(key.subarray(0, 16))).toBe(false);
    expect(inWasmMemory(key.subarray(32, 48))).toBe(false);
    expect(inWasmMemory(data.subarray(0, 64))).toBe(false);
    cipher.dispose();
    expect(unchangedSince(before)).toBe(true);
  });
});
