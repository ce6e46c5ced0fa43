// An attached volume: byte-addressed read and write over XTS-AES-256 sectors (the sector number is
// the tweak), read-modify-write for partial sectors. Whole-sector runs go through the core's
// multi-sector path in place. Unencrypted volumes store plaintext sectors.

import type { XtsCipher } from '../core/xts.js';
import { ec2Error } from './ec2-errors.js';
import type { SectorStorage } from './sector-storage.js';

export class VolumeHandle {
  private detached = false;

  constructor(
    readonly VolumeId: string,
    readonly InstanceId: string,
    /** Bytes in the volume. */
    readonly size: number,
    readonly sectorSize: number,
    private readonly storage: SectorStorage,
    /** Undefined for an unencrypted volume. */
    private readonly cipher: XtsCipher | undefined,
  ) {}

  /** Reads `length` bytes at `offset`; sectors never written read as zeros. */
  async read(offset: number, length: number): Promise<Uint8Array> {
    this.checkRange(offset, length);
    const first = Math.floor(offset / this.sectorSize);
    const end = Math.ceil((offset + length) / this.sectorSize);
    const sectors = await this.readSectors(first, end - first);
    return sectors.slice(offset - first * this.sectorSize, offset - first * this.sectorSize + length);
  }

  /** Writes `data` at `offset`; partial sectors at either end are read, patched and rewritten. */
  async write(offset: number, data: Uint8Array): Promise<void> {
    if (!(data instanceof Uint8Array)) throw ec2Error('InvalidParameterValue', 'data: expected a Uint8Array');
    this.checkRange(offset, data.length);
    if (data.length === 0) return;
    const first = Math.floor(offset / this.sectorSize);
    const end = Math.ceil((offset + data.length) / this.sectorSize);
    const start = offset - first * this.sectorSize;
    const aligned = start === 0 && data.length % this.sectorSize === 0;
    const sectors = aligned ? data.slice() : await this.readSectors(first, end - first);
    if (!aligned) sectors.set(data, start);
    if (this.cipher) this.cipher.encryptSectorsInPlace(sectors, BigInt(first), this.sectorSize);
    await this.storage.write(first, sectors);
  }

  /** Called by detachVolume: the handle stops working; the key schedule is zeroed by its owner. */
  markDetached(): void {
    this.detached = true;
  }

  private async readSectors(first: number, count: number): Promise<Uint8Array> {
    const stored = await this.storage.read(first, count);
    if (!this.cipher) return stored;
    // Unwritten sectors are stored as zeros and read as zeros: decrypt each run of written ones in one call.
    const written = (i: number) => stored.subarray(i * this.sectorSize, (i + 1) * this.sectorSize).some((b) => b !== 0);
    for (let i = 0; i < count;) {
      if (!written(i)) {
        i++;
        continue;
      }
      let end = i + 1;
      while (end < count && written(end)) end++;
      this.cipher.decryptSectorsInPlace(stored.subarray(i * this.sectorSize, end * this.sectorSize), BigInt(first + i), this.sectorSize);
      i = end;
    }
    return stored;
  }

  private checkRange(offset: number, length: number): void {
    if (this.detached) throw ec2Error('IncorrectState', `${this.VolumeId} is no longer attached to ${this.InstanceId}`);
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > this.size) {
      throw ec2Error('InvalidParameterValue', `offset ${offset} + length ${length} is outside the ${this.size}-byte volume`);
    }
  }
}
