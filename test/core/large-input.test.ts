// 256 MiB through every bulk path: results stay correct and WASM memory does not grow.
import { describe, expect, it } from 'vitest';
import { randomFillSync } from 'node:crypto';
import { createGcmDecryptor, createGcmEncryptor, gcm, sectorTweak, xts } from '../../src/index.js';
import { wasm } from '../../src/core/wasm-runtime.js';
import { nodeGcmEncrypt, nodeXtsEncrypt } from '../helpers/node-reference.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const MiB = 1024 * 1024;
const SIZE = 256 * MiB;
const big = randomFillSync(new Uint8Array(SIZE));
const memoryBytes = () => wasm().core.memory.buffer.byteLength;

describe('256 MiB inputs', () => {
  const rng = new SeededRandom(50);
  const [key, iv, aad] = [rng.bytes(32), rng.bytes(12), rng.bytes(33)];

  it('one-shot GCM matches node:crypto and round-trips without growing WASM memory', () => {
    gcm(key, iv).encrypt(new Uint8Array(1)); // instantiate before measuring
    const before = memoryBytes();
    const sealed = gcm(key, iv, aad).encrypt(big);
    expect(Buffer.from(sealed).equals(nodeGcmEncrypt(key, iv, aad, big))).toBe(true);
    expect(Buffer.from(gcm(key, iv, aad).decrypt(sealed)).equals(big)).toBe(true);
    expect(memoryBytes()).toBe(before);
  });

  it('streamed GCM in 3 MiB + 1 chunks equals one-shot', () => {
    const before = memoryBytes();
    const encryptor = createGcmEncryptor(key, iv, aad);
    const decryptor = createGcmDecryptor(key, iv, aad);
    const expected = nodeGcmEncrypt(key, iv, aad, big);
    const chunk = 3 * MiB + 1;
    let at = 0;
    let plainAt = 0;
    const check = (piece: Uint8Array) => {
      if (!Buffer.from(piece).equals(big.subarray(plainAt, plainAt + piece.length))) expect.fail(`plaintext differs at ${plainAt}`);
      plainAt += piece.length;
    };
    for (; at < SIZE; at += chunk) {
      const sealedPiece = encryptor.update(big.subarray(at, at + chunk));
      if (!Buffer.from(sealedPiece).equals(expected.subarray(at, at + sealedPiece.length))) expect.fail(`ciphertext differs at ${at}`);
      check(decryptor.update(sealedPiece));
    }
    const tag = encryptor.final();
    expect(Buffer.from(tag).equals(expected.subarray(SIZE))).toBe(true);
    check(decryptor.update(tag));
    check(decryptor.final());
    expect(plainAt).toBe(SIZE);
    expect(memoryBytes()).toBe(before);
  });

  it('XTS over 65,536 sectors matches node:crypto sector by sector and round-trips', () => {
    const xtsKey = rng.bytes(64);
    const cipher = xts(xtsKey);
    const before = memoryBytes();
    const sealed = cipher.encryptSectors(big, 1000n);
    for (let i = 0; i < 1024; i++) {
      const sector = i < 4 ? i : i > 1019 ? SIZE / 4096 - (1024 - i) : rng.int(SIZE / 4096);
      const span = big.subarray(sector * 4096, (sector + 1) * 4096);
      const expected = nodeXtsEncrypt(xtsKey, sectorTweak(1000n + BigInt(sector)), span);
      if (!Buffer.from(sealed.subarray(sector * 4096, (sector + 1) * 4096)).equals(expected)) expect.fail(`sector ${sector}`);
    }
    expect(Buffer.from(cipher.decryptSectors(sealed, 1000n)).equals(big)).toBe(true);
    expect(memoryBytes()).toBe(before);
    cipher.dispose();
  });
});
