// Object bodies in a directory (kms-wasm/node): one file per object version. A body is written as it
// streams in, to a temporary file that is fsynced and renamed to a fresh name only once complete, so a
// crash mid-write leaves every earlier version intact and at worst a temporary file (removed when the
// store next opens).

import { removeFiles, removeStaleFiles, renameDurably } from '../platform/atomic-file.js';
import { missingBody, type BodyReader, type BodyWriter, type SharedBodies } from './object-bodies.js';

export class DirectoryBodies implements SharedBodies {
  constructor(private readonly directory: string) {}

  private file(id: string): string {
    if (!/^[0-9a-f-]{36}$/.test(id)) throw new Error(`bad object body id ${id}`);
    return `${this.directory}/${id}.bin`;
  }

  async create(id: string): Promise<BodyWriter> {
    const fs = await import('node:fs/promises');
    const file = this.file(id);
    const temporary = `${file}.${crypto.randomUUID()}.tmp`;
    await fs.mkdir(this.directory, { recursive: true, mode: 0o700 });
    const handle = await fs.open(temporary, 'wx', 0o600);
    let open = true;
    const close = async () => {
      if (open) await handle.close();
      open = false;
    };
    return {
      write: async (chunk) => {
        // FileHandle.write may write less than asked (a short write): loop until all of it is down.
        for (let at = 0; at < chunk.length;) at += (await handle.write(chunk, at, chunk.length - at)).bytesWritten;
      },
      commit: async () => {
        await handle.sync();
        await close();
        await renameDurably(temporary, file);
      },
      abort: async () => {
        await close().catch(() => undefined);
        await fs.rm(temporary, { force: true });
      },
    };
  }

  async open(id: string): Promise<BodyReader> {
    const fs = await import('node:fs/promises');
    const handle = await fs.open(this.file(id), 'r').catch((error: NodeJS.ErrnoException) => {
      throw error.code === 'ENOENT' ? missingBody(id) : error;
    });
    const { size } = await handle.stat();
    return {
      size,
      read: async (offset, length) => {
        const bytes = new Uint8Array(Math.max(0, Math.min(length, size - offset)));
        let at = 0;
        while (at < bytes.length) {
          const { bytesRead } = await handle.read(bytes, at, bytes.length - at, offset + at);
          if (bytesRead === 0) break; // the file shrank under us: the caller sees a short read
          at += bytesRead;
        }
        return at === bytes.length ? bytes : bytes.subarray(0, at);
      },
      close: () => handle.close(),
    };
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

  removeOrphans(named: Set<string>, graceMs: number): Promise<void> {
    const keep = new Set([...named].map((id) => `${id}.bin`));
    return removeStaleFiles(this.directory, (name) => !keep.has(name), graceMs);
  }
}
