// Where a volume's or snapshot's sectors live: in memory (a sparse map, here) or in a sparse file
// (file-sector-storage.ts, kms-wasm/node). Sectors never written read back as all zeros, and a sector
// of all zeros is "unwritten" (an AES-XTS ciphertext sector of all zeros has probability 2^-32768),
// which keeps files sparse.

import { isAllZero } from '../core/bytes.js';

export interface SectorStorage {
  /** `count` sectors from `first`, as stored (ciphertext for encrypted volumes). */
  read(first: number, count: number): Promise<Uint8Array>;
  write(first: number, data: Uint8Array): Promise<void>;
  /** A point-in-time copy under another name. */
  copy(name: string): Promise<SectorStorage>;
  /** Sector numbers that hold data (for snapshots' re-encryption), ascending. */
  writtenSectors(): Promise<number[]>;
  remove(): Promise<void>;
}

export interface SectorStorageFactory {
  open(name: string, sectorSize: number): Promise<SectorStorage>;
}

export class MemorySectorStorage implements SectorStorage {
  private readonly sectors = new Map<number, Uint8Array>();

  constructor(private readonly factory: MemorySectorStorageFactory, private readonly sectorSize: number) {}

  async read(first: number, count: number): Promise<Uint8Array> {
    const out = new Uint8Array(count * this.sectorSize);
    for (let i = 0; i < count; i++) {
      const sector = this.sectors.get(first + i);
      if (sector) out.set(sector, i * this.sectorSize);
    }
    return out;
  }

  async write(first: number, data: Uint8Array): Promise<void> {
    for (let i = 0; i * this.sectorSize < data.length; i++) {
      const sector = data.slice(i * this.sectorSize, (i + 1) * this.sectorSize);
      if (isAllZero(sector)) this.sectors.delete(first + i);
      else this.sectors.set(first + i, sector);
    }
  }

  async copy(name: string): Promise<SectorStorage> {
    const copy = (await this.factory.open(name, this.sectorSize)) as MemorySectorStorage;
    for (const [sector, bytes] of this.sectors) copy.sectors.set(sector, bytes.slice());
    return copy;
  }

  async writtenSectors(): Promise<number[]> {
    return [...this.sectors.keys()].sort((a, b) => a - b);
  }

  async remove(): Promise<void> {
    this.sectors.clear();
    this.factory.forget(this);
  }
}

export class MemorySectorStorageFactory implements SectorStorageFactory {
  private readonly stores = new Map<string, MemorySectorStorage>();

  async open(name: string, sectorSize: number): Promise<SectorStorage> {
    let store = this.stores.get(name);
    if (!store) {
      store = new MemorySectorStorage(this, sectorSize);
      this.stores.set(name, store);
    }
    return store;
  }

  forget(store: MemorySectorStorage): void {
    for (const [name, s] of this.stores) if (s === store) this.stores.delete(name);
  }
}
