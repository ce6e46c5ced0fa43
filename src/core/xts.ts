// AES-256-XTS (IEEE 1619-2018; NIST SP 800-38E): a 64-byte key (Key1 for data, Key2 for tweaks),
// a 16-byte tweak per data unit, data units of 16 bytes up to 2^20 blocks, with ciphertext
// stealing for lengths that are not a multiple of 16.

import { CipherStateError, InvalidInputError } from './errors.js';
import { constantTimeEqual } from './bytes.js';
import { requireBytes, requireIntegerInRange } from './validate.js';
import { IO_BUFFER_BYTES, wasm, type WasmRuntime } from './wasm-runtime.js';

export const XTS_KEY_BYTES = 64;
export const XTS_TWEAK_BYTES = 16;
export const XTS_MIN_DATA_BYTES = 16;
/** IEEE 1619 §5.1 and SP 800-38E: a data unit holds at most 2^20 AES blocks. */
export const XTS_MAX_DATA_UNIT_BYTES = 2 ** 24;
export const DEFAULT_SECTOR_BYTES = 4096;
const MAX_TWEAK = 2n ** 128n;
const MAX_FIRST_SECTOR_FOR_BULK = 2n ** 64n;

/** The 16-byte tweak of a sector: its number, little-endian (IEEE 1619 §5.1). */
export function sectorTweak(sectorNumber: bigint): Uint8Array {
  if (typeof sectorNumber !== 'bigint' || sectorNumber < 0n || sectorNumber >= MAX_TWEAK) {
    throw new InvalidInputError('sectorNumber', `expected a bigint from 0 to 2^128 - 1, got ${String(sectorNumber)}`);
  }
  const tweak = new Uint8Array(XTS_TWEAK_BYTES);
  const halves = new DataView(tweak.buffer);
  halves.setBigUint64(0, BigInt.asUintN(64, sectorNumber), true);
  halves.setBigUint64(8, sectorNumber >> 64n, true);
  return tweak;
}

/** A 64-byte key whose halves differ (FIPS 140 IG C.I: equal halves make the tweak encryption redundant). */
export function checkXtsKey(key: unknown): Uint8Array {
  const bytes = requireBytes('key', key, XTS_KEY_BYTES);
  if (constantTimeEqual(bytes.subarray(0, 32), bytes.subarray(32))) {
    throw new InvalidInputError('key', 'the two 32-byte halves of an XTS key must differ');
  }
  return bytes;
}

/** A run of whole sectors: data, first sector number and sector size as encryptSectors takes them. */
export function checkSectorRun(data: unknown, firstSector: bigint, sectorSize: number): Uint8Array {
  const bytes = requireBytes('data', data);
  requireIntegerInRange('sectorSize', sectorSize, XTS_MIN_DATA_BYTES, XTS_MAX_DATA_UNIT_BYTES);
  if (sectorSize % 16 !== 0) throw new InvalidInputError('sectorSize', `expected a multiple of 16, got ${sectorSize}`);
  if (bytes.length % sectorSize !== 0) {
    throw new InvalidInputError('data', `expected a whole number of ${sectorSize}-byte sectors, got ${bytes.length} bytes`);
  }
  sectorTweak(firstSector); // validates the type and range
  return bytes;
}

function checkDataUnit(data: unknown): Uint8Array {
  const bytes = requireBytes('data', data);
  if (bytes.length < XTS_MIN_DATA_BYTES) {
    throw new InvalidInputError('data', `XTS needs at least ${XTS_MIN_DATA_BYTES} bytes, got ${bytes.length}`);
  }
  if (bytes.length > XTS_MAX_DATA_UNIT_BYTES) {
    throw new InvalidInputError('data', `an XTS data unit holds at most 2^20 blocks (${XTS_MAX_DATA_UNIT_BYTES} bytes), got ${bytes.length}; use encryptSectors for larger inputs`);
  }
  return bytes;
}

export class XtsCipher {
  private readonly runtime: WasmRuntime = wasm();
  private readonly ctx: number;
  private disposed = false;

  constructor(key: Uint8Array) {
    checkXtsKey(key);
    this.ctx = this.runtime.acquireSlot(this);
    this.runtime.core.xtsInit(this.ctx, this.runtime.stage(key));
    this.runtime.clearIo(XTS_KEY_BYTES);
  }

  /** Encrypts one data unit (16 bytes to 16 MiB) under a 16-byte tweak. */
  encrypt(data: Uint8Array, tweak: Uint8Array): Uint8Array {
    return this.cryptDataUnit(checkDataUnit(data), requireBytes('tweak', tweak, XTS_TWEAK_BYTES), true);
  }

  decrypt(data: Uint8Array, tweak: Uint8Array): Uint8Array {
    return this.cryptDataUnit(checkDataUnit(data), requireBytes('tweak', tweak, XTS_TWEAK_BYTES), false);
  }

  /** Encrypts one sector; the tweak is the sector number, little-endian. */
  encryptSector(data: Uint8Array, sectorNumber: bigint): Uint8Array {
    return this.cryptDataUnit(checkDataUnit(data), sectorTweak(sectorNumber), true);
  }

  decryptSector(data: Uint8Array, sectorNumber: bigint): Uint8Array {
    return this.cryptDataUnit(checkDataUnit(data), sectorTweak(sectorNumber), false);
  }

  /**
   * Encrypts consecutive sectors of `sectorSize` bytes (a multiple of 16; default 4096), numbered
   * from `firstSector`: input of any size that is a whole number of sectors, in few WASM calls.
   */
  encryptSectors(data: Uint8Array, firstSector: bigint, sectorSize = DEFAULT_SECTOR_BYTES): Uint8Array {
    return this.cryptSectors(data, firstSector, sectorSize, true);
  }

  decryptSectors(data: Uint8Array, firstSector: bigint, sectorSize = DEFAULT_SECTOR_BYTES): Uint8Array {
    return this.cryptSectors(data, firstSector, sectorSize, false);
  }

  /** Like encryptSectors, but overwrites `data` with the ciphertext (no allocation); returns `data`. */
  encryptSectorsInPlace(data: Uint8Array, firstSector: bigint, sectorSize = DEFAULT_SECTOR_BYTES): Uint8Array {
    return this.cryptSectors(data, firstSector, sectorSize, true, data);
  }

  decryptSectorsInPlace(data: Uint8Array, firstSector: bigint, sectorSize = DEFAULT_SECTOR_BYTES): Uint8Array {
    return this.cryptSectors(data, firstSector, sectorSize, false, data);
  }

  /** Zeroes the key schedules now. Further use throws CipherStateError. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.runtime.releaseSlot(this.ctx, this);
  }

  private assertLive(): void {
    if (this.disposed) throw new CipherStateError('This XTS cipher was disposed');
  }

  private cryptDataUnit(data: Uint8Array, tweak: Uint8Array, encrypting: boolean): Uint8Array {
    this.assertLive();
    const { core } = this.runtime;
    const output = new Uint8Array(data.length);
    core.xtsStart(this.ctx, this.runtime.stage(tweak));
    const step = encrypting ? core.xtsEncrypt : core.xtsDecrypt;
    // Every piece but the last is a whole number of blocks; the last keeps at least one whole
    // block before any partial tail, so ciphertext stealing sees both.
    let offset = 0;
    while (offset < data.length) {
      const remaining = data.length - offset;
      let length = Math.min(remaining, IO_BUFFER_BYTES);
      // Stryker disable next-line EqualityOperator: `remaining - length <= 16` also splits at whole blocks (a last piece of 32 bytes, not 16), which gives the same bytes in as many pieces
      if (length < remaining && remaining - length < XTS_MIN_DATA_BYTES) length -= XTS_MIN_DATA_BYTES;
      step(this.ctx, this.runtime.stage(data.subarray(offset, offset + length)), length);
      this.runtime.unstage(output, offset, length);
      offset += length;
    }
    this.runtime.clearIo(data.length);
    return output;
  }

  /** Each piece is copied into WASM before its output is written, so `output` may be `data`. */
  private cryptSectors(data: Uint8Array, firstSector: bigint, sectorSize: number, encrypting: boolean, output?: Uint8Array): Uint8Array {
    this.assertLive();
    const bytes = checkSectorRun(data, firstSector, sectorSize);
    output ??= new Uint8Array(bytes.length);
    const sectors = BigInt(bytes.length / sectorSize);
    if (sectorSize > IO_BUFFER_BYTES || firstSector + sectors > MAX_FIRST_SECTOR_FOR_BULK) {
      return this.cryptSectorsOneByOne(bytes, firstSector, sectorSize, encrypting, output);
    }
    const { core } = this.runtime;
    const step = encrypting ? core.xtsEncryptSectors : core.xtsDecryptSectors;
    const inPlace = this.runtime.inPlaceAddress(bytes, output);
    if (inPlace !== undefined) {
      step(this.ctx, inPlace, bytes.length, sectorSize, firstSector); // a pool worker's part, transformed where it lies
      return output;
    }
    const piece = Math.floor(IO_BUFFER_BYTES / sectorSize) * sectorSize;
    for (let offset = 0; offset < bytes.length; offset += piece) {
      const length = Math.min(piece, bytes.length - offset);
      step(this.ctx, this.runtime.stage(bytes.subarray(offset, offset + length)), length, sectorSize, firstSector + BigInt(offset / sectorSize));
      this.runtime.unstage(output, offset, length);
    }
    this.runtime.clearIo(bytes.length);
    return output;
  }

  /** Sectors larger than the I/O buffer, or numbered beyond 2^64: one data unit at a time. */
  private cryptSectorsOneByOne(data: Uint8Array, firstSector: bigint, sectorSize: number, encrypting: boolean, output: Uint8Array): Uint8Array {
    for (let offset = 0; offset < data.length; offset += sectorSize) {
      const tweak = sectorTweak(firstSector + BigInt(offset / sectorSize));
      output.set(this.cryptDataUnit(data.subarray(offset, offset + sectorSize), tweak, encrypting), offset);
    }
    return output;
  }
}

/** AES-256-XTS with a 64-byte key whose halves differ. Call `dispose()` to zero the key schedule early. */
export function xts(key: Uint8Array): XtsCipher {
  return new XtsCipher(key);
}
