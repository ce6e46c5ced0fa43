// Where object bodies (the stored bytes: ciphertext when encrypted) live: in memory, or one file per
// object version in a directory, each written atomically (temp file, fsync, rename) under a fresh
// name, so a crash mid-write leaves every earlier version intact.

import { copyBytes } from '../core/validate.js';
import { atomicWriteFile, removeFiles } from '../kms/atomic-file.js';

export interface ObjectBodies {
  write(id: string, bytes: Uint8Array): Promise<void>;
  read(id: string): Promise<Uint8Array>;
  remove(id: string): Promise<void>;
}

export class MemoryBodies implements ObjectBodies {
  readonly bodies = new Map<string, Uint8Array>();

  // Copies in and out, as files would: nobody's later change to an array reaches a stored body.
  async write(id: string, bytes: Uint8Array): Promise<void> {
    this.bodies.set(id, copyBytes(bytes));
  }

  async read(id: string): Promise<Uint8Array> {
    const body = this.bodies.get(id);
    if (!body) throw new Error(`object body ${id} is missing`);
    return copyBytes(body);
  }

  async remove(id: string): Promise<void> {
    this.bodies.delete(id);
  }
}

export class DirectoryBodies implements ObjectBodies {
  constructor(private readonly directory: string) {}

  private file(id: string): string {
    if (!/^[0-9a-f-]{36}$/.test(id)) throw new Error(`bad object body id ${id}`);
    return `${this.directory}/${id}.bin`;
  }

  async write(id: string, bytes: Uint8Array): Promise<void> {
    await atomicWriteFile(this.file(id), bytes);
  }

  async read(id: string): Promise<Uint8Array> {
    const fs = await import('node:fs/promises');
    return new Uint8Array(await fs.readFile(this.file(id)));
  }

  async remove(id: string): Promise<void> {
    const fs = await import('node:fs/promises');
    await fs.rm(this.file(id), { force: true });
  }

  /**
   * Removes every file but the bodies of `ids`: temporary files of writes a crash cut short, bodies
   * whose version was never recorded or was dropped, parts of uploads that died with their process.
   */
  removeAllBut(ids: Set<string>): Promise<void> {
    const keep = new Set([...ids].map((id) => `${id}.bin`));
    return removeFiles(this.directory, (name) => !keep.has(name));
  }
}
