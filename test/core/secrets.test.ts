// Key schedules and plaintext do not outlive the call (one-shot) or the object (streams, XTS) in
// WASM memory. Each test first shows the secret *is* visible while in use, so it can fail.
import { describe, expect, it } from 'vitest';
import { createGcmDecryptor, createGcmEncryptor, gcm, xts } from '../../src/index.js';
import { wasm } from '../../src/core/wasm-runtime.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const inWasmMemory = (needle: Uint8Array): boolean => Buffer.from(wasm().bytes()).indexOf(Buffer.from(needle)) !== -1;

describe('secrets in WASM memory', () => {
  const rng = new SeededRandom(40);

  it('one-shot GCM leaves neither key nor plaintext behind, on success or on a bad tag', () => {
    const [key, iv, plaintext] = [rng.bytes(32), rng.bytes(12), rng.bytes(256)];
    const sealed = gcm(key, iv).encrypt(plaintext);
    expect(inWasmMemory(key)).toBe(false);
    expect(inWasmMemory(plaintext)).toBe(false);
    gcm(key, iv).decrypt(sealed);
    expect(inWasmMemory(plaintext)).toBe(false);
    sealed[sealed.length - 1]! ^= 1;
    expect(() => gcm(key, iv).decrypt(sealed)).toThrow();
    expect(inWasmMemory(plaintext)).toBe(false);
    expect(inWasmMemory(key)).toBe(false);
  });

  it('a GCM stream holds its key schedule until final() or dispose(), then zeroes it', () => {
    const [key, iv] = [rng.bytes(32), rng.bytes(12)];
    const encryptor = createGcmEncryptor(key, iv);
    encryptor.update(rng.bytes(100));
    expect(inWasmMemory(key)).toBe(true); // the first round keys are the key itself
    encryptor.final();
    expect(inWasmMemory(key)).toBe(false);

    const decryptor = createGcmDecryptor(key, iv);
    expect(inWasmMemory(key)).toBe(true);
    decryptor.dispose();
    expect(inWasmMemory(key)).toBe(false);
  });

  it('an XTS cipher holds both key schedules until dispose(), then zeroes them', () => {
    const key = rng.bytes(64);
    const cipher = xts(key);
    cipher.encryptSector(rng.bytes(4096), 3n);
    expect(inWasmMemory(key.subarray(0, 32))).toBe(true);
    expect(inWasmMemory(key.subarray(32))).toBe(true);
    expect(inWasmMemory(key)).toBe(false); // the raw 64-byte key itself is never kept
    cipher.dispose();
    expect(inWasmMemory(key.subarray(0, 32))).toBe(false);
    expect(inWasmMemory(key.subarray(32))).toBe(false);
  });

  it('XTS leaves no plaintext in the I/O buffer after decrypting', () => {
    const cipher = xts(rng.bytes(64));
    const data = rng.bytes(5000);
    const sealed = cipher.encryptSectors(data.subarray(0, 4096), 1n);
    expect(inWasmMemory(data.subarray(0, 64))).toBe(false);
    cipher.decryptSectors(sealed, 1n);
    expect(inWasmMemory(data.subarray(0, 64))).toBe(false);
    cipher.dispose();
  });
});
