// An attached volume: byte-addressed read and write over XTS-AES-256 sectors (the sector number is
// the tweak), read-modify-write for partial sectors. Whole-sector runs go through the core's
// multi-sector path in place, and runs of POOL_RUN_BYTES or more through the worker pool.
// Unencrypted volumes store plaintext sectors.

import type { ParallelXts } from '../core/parallel.js';
import type { SerialQueue } from '../core/serial-queue.js';
import { isAllZero } from '../core/bytes.js';
import type { XtsCipher } from '../core/xts.js';
import { ec2Error } from './ec2-errors.js';
import type { SectorStorage } from './sector-storage.js';

/** Runs at least this long are split across the worker pool. */
export const POOL_RUN_BYTES = 4 * 1024 * 1024;

/** The volume key, as the single-thread cipher and the pool's copy; `dispose` zeroes both. */
export interface VolumeCiphers {
  single: XtsCipher;
  pool: ParallelXts;
}

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
    private readonly ciphers: VolumeCiphers | undefined,
    /** The volume's writes, shared with its other attachments. */
    private readonly writes: SerialQueue,
  ) {}

  /** Reads `length` bytes at `offset`; sectors never written read as zeros. */
  async read(offset: number, length: number): Promise<Uint8Array> {
    this.checkRange(offset, length);
    const first = Math.floor(offset / this.sectorSize);
    const end = Math.ceil((offset + length) / this.sectorSize);
    const sectors = await this.readSectors(first, end - first);
    return sectors.slice(offset - first * this.sectorSize, offset - first * this.sectorSize + length);
  }

  /**
   * Writes `data` at `offset`; partial sectors at either end are read, patched and rewritten. Writes
   * to a volume run one after another: two read-patch-rewrites of one sector interleaved would
   * lose the first one's bytes (and a whole-sector write between a read and its rewrite, likewise).
   */
  async write(offset: number, data: Uint8Array): Promise<void> {
    if (!(data instanceof Uint8Array)) throw ec2Error('InvalidParameterValue', 'data: expected a Uint8Array');
    this.checkRange(offset, data.length);
    if (data.length === 0) return;
    const copy = new Uint8Array(data); // what the caller passed now, whatever it does with `data` while this waits
    await this.writes.run(async () => {
      this.checkRange(offset, copy.length);
      const first = Math.floor(offset / this.sectorSize);
      const end = Math.ceil((offset + copy.length) / this.sectorSize);
      const start = offset - first * this.sectorSize;
      const aligned = start === 0 && copy.length % this.sectorSize === 0;
      const sectors = aligned ? copy : await this.readSectors(first, end - first);
      if (!aligned) sectors.set(copy, start);
      await this.storage.write(first, await this.crypt(sectors, first, true));
    });
  }

  /** Called by detachVolume: the handle stops working; the key schedule is zeroed by its owner. */
  markDetached(): void {
    this.detached = true;
  }

  private async readSectors(first: number, count: number): Promise<Uint8Array> {
    const stored = await this.storage.read(first, count);
    if (!this.ciphers) return stored;
    // Unwritten sectors are stored as zeros and read as zeros: decrypt each run of written ones in one call.
    const written = (i: number) => !isAllZero(stored.subarray(i * this.sectorSize, (i + 1) * this.sectorSize));
    for (let i = 0; i < count;) {
      if (!written(i)) {
        i++;
        continue;
      }
      let end = i + 1;
      while (end < count && written(end)) end++;
      const run = stored.subarray(i * this.sectorSize, end * this.sectorSize);
      await this.crypt(run, first + i, false);
      i = end;
    }
    return stored;
  }

  /** Encrypts or decrypts whole sectors in place: here, or on the pool for long runs. */
  private async crypt(sectors: Uint8Array, first: number, encrypting: boolean): Promise<Uint8Array> {
    if (!this.ciphers) return sectors;
    if (sectors.length >= POOL_RUN_BYTES) {
      const { pool } = this.ciphers;
      return encrypting ? pool.encryptSectorsInPlace(sectors, BigInt(first), this.sectorSize)
        : pool.decryptSectorsInPlace(sectors, BigInt(first), this.sectorSize);
    }
    const { single } = this.ciphers;
    return encrypting ? single.encryptSectorsInPlace(sectors, BigInt(first), this.sectorSize)
      : single.decryptSectorsInPlace(sectors, BigInt(first), this.sectorSize);
  }

  private checkRange(offset: number, length: number): void {
    if (this.detached) throw ec2Error('IncorrectState', `${this.VolumeId} is no longer attached to ${this.InstanceId}`);
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > this.size) {
      throw ec2Error('InvalidParameterValue', `offset ${offset} + length ${length} is outside the ${this.size}-byte volume`);
    }
  }
}
