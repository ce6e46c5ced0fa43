// The service's own state (IAM users, access keys and their secrets, policies, the root access key)
// in one file of DIR, sealed as the key store seals its state: "KMSWASM1" ‖ IV (12) ‖
// AES-256-GCM(root key, JSON) ‖ tag, with its own AAD, so no secret is on disk unwrapped. Written
// with atomicWriteFile (temp file, fsync, rename; mode 0600).

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gcm } from '../core/gcm.js';
import { atomicWriteFile } from '../platform/atomic-file.js';

const MAGIC = new TextEncoder().encode('KMSWASM1');

export class SealedStateFile<T> {
  private readonly file: string;
  private readonly aad: Uint8Array;

  constructor(directory: string, name: string, private readonly rootKey: Uint8Array) {
    this.file = join(directory, name);
    this.aad = new TextEncoder().encode(`KMSWASM1 ${name}`);
  }

  /** The stored state, or undefined when there is no file yet; a damaged file or another root key is refused. */
  async read(): Promise<T | undefined> {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(this.file));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    if (bytes.length < MAGIC.length + 12 + 16 || MAGIC.some((b, i) => bytes[i] !== b)) throw new Error(`${this.file} is not a kms-wasm state file`);
    let json: Uint8Array;
    try {
      json = gcm(this.rootKey, bytes.subarray(8, 20), this.aad, { constantTime: true }).decrypt(bytes.subarray(20));
    } catch {
      throw new Error(`${this.file} is damaged or was sealed under another root key`);
    }
    try {
      return JSON.parse(new TextDecoder().decode(json)) as T;
    } finally {
      json.fill(0);
    }
  }

  async write(state: T): Promise<void> {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const json = new TextEncoder().encode(JSON.stringify(state));
    try {
      const sealed = gcm(this.rootKey, iv, this.aad, { constantTime: true }).encrypt(json);
      const bytes = new Uint8Array(MAGIC.length + iv.length + sealed.length);
      bytes.set(MAGIC);
      bytes.set(iv, MAGIC.length);
      bytes.set(sealed, MAGIC.length + iv.length);
      await atomicWriteFile(this.file, bytes, 0o600);
    } finally {
      json.fill(0);
    }
  }
}
