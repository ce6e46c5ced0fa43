// Where object bodies (the stored bytes: ciphertext when encrypted) live, behind one interface: in
// memory (here), one file per object version in a directory (directory-bodies.ts, kms-wasm/node), or
// PostgreSQL (postgres-object-bodies.ts). A body is written as it streams in and read back by
// positioned reads, so a ranged or streamed read holds one piece at a time, never the body.

import { concatBytes } from '../core/bytes.js';
import { s3Error } from './s3-errors.js';

/** A body being written: chunks in order, then `commit()` (durable under its id) or `abort()` (gone). */
export interface BodyWriter {
  write(chunk: Uint8Array): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/** A stored body opened for reading: positioned reads; `close()` when done. */
export interface BodyReader {
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

export interface ObjectBodies {
  create(id: string): Promise<BodyWriter>;
  open(id: string): Promise<BodyReader>;
  remove(id: string): Promise<void>;
}

/** Bodies that several processes share (a directory or database that PostgresObjectMetadata uses). */
export interface SharedBodies extends ObjectBodies {
  /**
   * Removes what no id in `named` is and was last written more than `graceMs` ago: bodies and
   * temporary files a crash left behind. Younger ones are left alone: another process's PUT in
   * flight writes its body before the record that names it.
   */
  removeOrphans(named: Set<string>, graceMs: number): Promise<void>;
}

/** What every ObjectBodies' `open` throws for a body it does not hold: removed from under the store, or never written. */
export const missingBody = (id: string) => s3Error('InternalError', `object body ${id} is missing from the store`);

/** A whole body, for tests and audits (storedBytes): not for serving objects. */
export async function readWholeBody(bodies: ObjectBodies, id: string): Promise<Uint8Array> {
  const reader = await bodies.open(id);
  try {
    return await reader.read(0, reader.size);
  } finally {
    await reader.close();
  }
}

export class MemoryBodies implements ObjectBodies {
  readonly bodies = new Map<string, Uint8Array>();

  // Copies in and out, as files would: nobody's later change to an array reaches a stored body.
  async create(id: string): Promise<BodyWriter> {
    const chunks: Uint8Array[] = [];
    return {
      write: async (chunk) => { chunks.push(chunk.slice()); },
      commit: async () => { this.bodies.set(id, concatBytes(chunks)); },
      abort: async () => { chunks.length = 0; },
    };
  }

  async open(id: string): Promise<BodyReader> {
    const body = this.bodies.get(id);
    if (!body) throw missingBody(id);
    return { size: body.length, read: async (offset, length) => body.slice(offset, offset + length), close: async () => undefined };
  }

  async remove(id: string): Promise<void> {
    this.bodies.delete(id);
  }
}
