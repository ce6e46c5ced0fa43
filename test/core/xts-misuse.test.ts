// The TypeScript around the XTS core, as a careless caller or an attacker uses it: what stays in
// WASM memory after each kind of call (raw keys, decrypted sectors), ciphers disposed twice, sector
// sizes that do not divide the I/O buffer, and the refusals' wording. Checked against node:crypto.
import { describe, expect, it } from 'vitest';
import { CipherStateError, InvalidInputError, sectorTweak, xts } from '../../src/index.js';
import { IO_BUFFER_BYTES, wasm } from '../../src/core/wasm-runtime.js';
import { nodeXtsEncrypt } from '../helpers/node-reference.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const rng = new SeededRandom(2222);
const inWasmMemory = (needle: Uint8Array): boolean => Buffer.from(wasm().bytes()).indexOf(Buffer.from(needle)) !== -1;

/** Every 64-byte window of `data` (its start, middle and end included): none may be found in WASM memory. */
function noneInWasmMemory(data: Uint8Array): boolean {
  for (let at = 0; at + 64 <= data.length; at += Math.max(64, Math.floor(data.length / 8))) {
    if (inWasmMemory(data.subarray(at, at + 64))) return false;
  }
  return !inWasmMemory(data.subarray(data.length - 64));
}

describe('what XTS leaves in WASM memory', () => {
  it('the raw key is not there once the cipher exists, before any call', () => {
    const key = rng.bytes(64);
    const cipher = xts(key);
    expect(inWasmMemory(key.subarray(0, 16))).toBe(false);
    expect(inWasmMemory(key.subarray(48, 64))).toBe(false);
    cipher.dispose();
  });

  it('no decrypted text stays there after decrypt, decryptSector or decryptSectors (in place or not)', () => {
    const cipher = xts(rng.bytes(64));
    const tweak = rng.bytes(16);
    const unit = rng.bytes(IO_BUFFER_BYTES + 100);
    cipher.decrypt(cipher.encrypt(unit, tweak), tweak);
    expect(noneInWasmMemory(unit)).toBe(true);
    const sector = rng.bytes(4096);
    cipher.decryptSector(cipher.encryptSector(sector, 9n), 9n);
    expect(noneInWasmMemory(sector)).toBe(true);
    const sectors = rng.bytes(8 * 4096);
    cipher.decryptSectors(cipher.encryptSectors(sectors, 3n), 3n);
    expect(noneInWasmMemory(sectors)).toBe(true);
    const copy = cipher.encryptSectors(sectors, 5n, 512);
    cipher.decryptSectorsInPlace(copy, 5n, 512);
    expect(Buffer.from(copy).equals(sectors)).toBe(true);
    expect(noneInWasmMemory(sectors)).toBe(true);
    cipher.dispose();
  });
});

describe('a cipher disposed more than once', () => {
  it('does not hand its WASM slot to two ciphers', () => {
    const spent = xts(rng.bytes(64));
    spent.dispose();
    spent.dispose();
    // Every use of it afterwards is refused, saying why.
    expect(() => spent.encryptSector(rng.bytes(512), 1n)).toThrow(new CipherStateError('This XTS cipher was disposed'));
    expect(() => spent.decryptSectorsInPlace(rng.bytes(512), 1n, 512)).toThrow(new CipherStateError('This XTS cipher was disposed'));
    const [keyA, keyB] = [rng.bytes(64), rng.bytes(64)];
    const [a, b] = [xts(keyA), xts(keyB)];
    const [tweak, data] = [rng.bytes(16), rng.bytes(100)];
    const sealedA = a.encrypt(data, tweak);
    const sealedB = b.encrypt(data, tweak);
    expect(Buffer.from(sealedA).equals(nodeXtsEncrypt(keyA, tweak, data))).toBe(true);
    expect(Buffer.from(sealedB).equals(nodeXtsEncrypt(keyB, tweak, data))).toBe(true);
    a.dispose();
    b.dispose();
  });
});

describe('runs of sectors', () => {
  it.each([48, 4080, 65520])('of %i-byte sectors (which do not divide the I/O buffer) equal sector-by-sector encryption', (sectorSize) => {
    const key = rng.bytes(64);
    const cipher = xts(key);
    const count = Math.ceil((2 * IO_BUFFER_BYTES + 1) / sectorSize);
    const data = rng.bytes(sectorSize * count);
    const sealed = cipher.encryptSectors(data, 1000n, sectorSize);
    for (let s = 0; s < count; s++) {
      const expected = nodeXtsEncrypt(key, sectorTweak(1000n + BigInt(s)), data.subarray(s * sectorSize, (s + 1) * sectorSize));
      if (!Buffer.from(sealed.subarray(s * sectorSize, (s + 1) * sectorSize)).equals(expected)) expect.fail(`sector ${1000 + s}`);
    }
    const inPlace = data.slice();
    expect(cipher.encryptSectorsInPlace(inPlace, 1000n, sectorSize)).toBe(inPlace);
    expect(Buffer.from(inPlace).equals(sealed)).toBe(true);
    cipher.dispose();
  });

  it('numbered up to 2^128 - 1, and across 2^64, equal sector-by-sector encryption', () => {
    const key = rng.bytes(64);
    const cipher = xts(key);
    for (const first of [2n ** 64n - 3n, 2n ** 64n, 2n ** 128n - 4n]) {
      const data = rng.bytes(4 * 512);
      const sealed = cipher.encryptSectors(data, first, 512);
      for (let s = 0; s < 4; s++) {
        const expected = nodeXtsEncrypt(key, sectorTweak(first + BigInt(s)), data.subarray(s * 512, (s + 1) * 512));
        expect(Buffer.from(sealed.subarray(s * 512, (s + 1) * 512)).equals(expected), `sector ${first + BigInt(s)}`).toBe(true);
      }
    }
    expect(() => cipher.encryptSectors(rng.bytes(2 * 512), 2n ** 128n - 1n, 512)).toThrow(InvalidInputError);
    cipher.dispose();
  });
});

describe('refusals say what is wrong', () => {
  it('sector numbers, sector sizes, data units and keys', () => {
    const cipher = xts(rng.bytes(64));
    expect(() => sectorTweak(-1n)).toThrow(new InvalidInputError('sectorNumber', 'expected a bigint from 0 to 2^128 - 1, got -1'));
    expect(() => sectorTweak(2n ** 128n)).toThrow(new InvalidInputError('sectorNumber', `expected a bigint from 0 to 2^128 - 1, got ${2n ** 128n}`));
    expect(() => cipher.encryptSectors(rng.bytes(4096), 0n, 4100)).toThrow(new InvalidInputError('sectorSize', 'expected a multiple of 16, got 4100'));
    expect(() => cipher.encryptSectors(rng.bytes(1000), 0n, 512)).toThrow(new InvalidInputError('data', 'expected a whole number of 512-byte sectors, got 1000 bytes'));
    expect(() => cipher.encrypt(rng.bytes(15), rng.bytes(16))).toThrow(new InvalidInputError('data', 'XTS needs at least 16 bytes, got 15'));
    expect(() => cipher.encrypt(new Uint8Array(2 ** 24 + 1), rng.bytes(16))).toThrow(new InvalidInputError('data',
      `an XTS data unit holds at most 2^20 blocks (${2 ** 24} bytes), got ${2 ** 24 + 1}; use encryptSectors for larger inputs`));
    // Each entry point names the argument at fault: decrypt's tweak, and a sector run's data.
    expect(() => cipher.decrypt(rng.bytes(32), rng.bytes(15))).toThrow(new InvalidInputError('tweak', 'expected 16 bytes, got 15'));
    for (const run of [cipher.encryptSectors, cipher.decryptSectors, cipher.encryptSectorsInPlace, cipher.decryptSectorsInPlace]) {
      expect(() => run.call(cipher, 'not bytes' as never, 0n, 512)).toThrow(InvalidInputError);
      expect(() => run.call(cipher, 'not bytes' as never, 0n, 512)).toThrow(/^data: /);
    }
    const half = rng.bytes(32);
    expect(() => xts(new Uint8Array([...half, ...half]))).toThrow(new InvalidInputError('key', 'the two 32-byte halves of an XTS key must differ'));
    cipher.dispose();
  });

  it('the smallest and largest data units are accepted: 16 bytes and 2^20 blocks', () => {
    const key = rng.bytes(64);
    const cipher = xts(key);
    const tweak = rng.bytes(16);
    for (const data of [rng.bytes(16), new Uint8Array(2 ** 24).fill(0xa5)]) {
      expect(Buffer.from(cipher.encrypt(data, tweak)).equals(nodeXtsEncrypt(key, tweak, data)), `${data.length} bytes`).toBe(true);
      expect(Buffer.from(cipher.encryptSectors(data, 0n, data.length)).equals(nodeXtsEncrypt(key, sectorTweak(0n), data)), `${data.length}-byte sector`).toBe(true);
    }
    cipher.dispose();
  });
});
