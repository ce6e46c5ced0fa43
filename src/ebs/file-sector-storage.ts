// A volume's or snapshot's sectors in a sparse file, for Node: `<dir>/<name>.img`, written in place at
// sector offsets (a directory BlockStore's sectors/, and PostgresBlockMetadata's `sectors`).

import { isAllZero } from '../core/bytes.js';
import { removeFiles, removeStaleFiles } from '../platform/atomic-file.js';
import { readFully, writeFully } from '../platform/positioned-io.js';
import type { SectorStorage, SectorStorageFactory } from './sector-storage.js';

type Fs = typeof import('node:fs/promises');
type FsConstants = typeof import('node:fs')['constants'];

/** Sparse files under a directory: `<dir>/<name>.img`, written in place at sector offsets. */
export class FileSectorStorageFactory implements SectorStorageFactory {
  constructor(private readonly directory: string) {}

  /**
   * Removes every file but those of `names`: copies a crash cut short (a snapshot or volume that was
   * never recorded), files of volumes and snapshots whose deletion was recorded before the crash.
   * With `graceMs`, only files last modified longer ago than that: a younger one may be another
   * process's copy in flight (a shared store's), whose record is made once the copy is whole.
   */
  removeAllBut(names: Set<string>, graceMs?: number): Promise<void> {
    const keep = new Set([...names].map((name) => `${name}.img`));
    const unwanted = (file: string) => !keep.has(file);
    return graceMs === undefined ? removeFiles(this.directory, unwanted) : removeStaleFiles(this.directory, unwanted, graceMs);
  }

  async open(name: string, sectorSize: number): Promise<SectorStorage> {
    const [fs, path, { constants }] = await Promise.all([import('node:fs/promises'), import('node:path'), import('node:fs')]);
    await fs.mkdir(this.directory, { recursive: true, mode: 0o700 });
    return new FileSectorStorage(this, fs, constants, path.join(this.directory, `${name}.img`), sectorSize);
  }
}

class FileSectorStorage implements SectorStorage {
  constructor(private readonly factory: FileSectorStorageFactory, private readonly fs: Fs, private readonly constants: FsConstants,
    private readonly file: string, private readonly sectorSize: number) {}

  /** The file for reading, or undefined if nothing was ever written. */
  private async handle(flags: string) {
    try {
      return await this.fs.open(this.file, flags);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async read(first: number, count: number): Promise<Uint8Array> {
    const out = new Uint8Array(count * this.sectorSize);
    const file = await this.handle('r');
    if (!file) return out;
    try {
      await readFully(file, out, first * this.sectorSize); // past the end reads nothing: zeros remain
    } finally {
      await file.close();
    }
    return out;
  }

  async write(first: number, data: Uint8Array): Promise<void> {
    // Read-write, created if missing; not append mode, which would ignore the position.
    const file = await this.fs.open(this.file, this.constants.O_RDWR | this.constants.O_CREAT, 0o600);
    try {
      await writeFully(file, data, first * this.sectorSize);
      await file.sync();
    } finally {
      await file.close();
    }
  }

  async copy(name: string): Promise<SectorStorage> {
    const copy = (await this.factory.open(name, this.sectorSize)) as FileSectorStorage;
    try {
      await this.fs.copyFile(this.file, copy.file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    return copy;
  }

  async writtenSectors(): Promise<number[]> {
    const file = await this.handle('r');
    if (!file) return [];
    const sectors: number[] = [];
    try {
      const { size } = await file.stat();
      const buffer = new Uint8Array(this.sectorSize);
      for (let sector = 0; sector * this.sectorSize < size; sector++) {
        await readFully(file, buffer, sector * this.sectorSize);
        if (!isAllZero(buffer)) sectors.push(sector);
        buffer.fill(0);
      }
    } finally {
      await file.close();
    }
    return sectors;
  }

  async remove(): Promise<void> {
    await this.fs.rm(this.file, { force: true });
  }
}
