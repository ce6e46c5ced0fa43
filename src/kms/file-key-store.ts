// A KeyStore in a directory, for Node: the persistent store of an embedded KMS.
//
//   root.key        32 random bytes, created with mode 0600 (or, with a passphrase:)
//   root.salt       16 random bytes; the root key is scrypt(passphrase, salt, N=2^17, r=8, p=1)
//   kms-state.bin   "KMSWASM1" ‖ IV (12) ‖ AES-256-GCM(root key, JSON snapshot) ‖ tag, AAD = "KMSWASM1"
//   audit.log       one line per record: base64(IV ‖ AES-256-GCM(root key, JSON record) ‖ tag), AAD =
//                   "KMSWASM1 audit"; appended and fsynced per call (the HMAC chain inside each record
//                   catches removed or reordered lines); a torn last line, without its newline, is skipped
//
// Writes go to a temporary file that is fsynced and renamed over the old one (then the directory is
// fsynced), so a crash leaves either the old or the new state. A store file that is truncated,
// corrupted or sealed under another root key is refused with a clear error and never overwritten.
// Node modules are imported on first use, so this file does not stop the bundle loading in browsers.

import { scryptAsync } from '@noble/hashes/scrypt.js';
import { base64ToBytes, bytesToBase64 } from '../core/base64.js';
import { gcm } from '../core/gcm.js';
import { loadOnce } from '../core/load-once.js';
import { atomicWriteFile } from './atomic-file.js';
import { kmsError } from './kms-errors.js';
import type { AuditRecord, KeyStore, StoreSnapshot } from './key-store.js';

const MAGIC = new TextEncoder().encode('KMSWASM1');
const STATE_FILE = 'kms-state.bin';
const ROOT_KEY_FILE = 'root.key';
const AUDIT_FILE = 'audit.log';
const AUDIT_AAD = new TextEncoder().encode('KMSWASM1 audit');
const SALT_FILE = 'root.salt';

export interface FileKeyStoreOptions {
  /** The directory holding the store (created if missing). */
  directory: string;
  /** Derive the root key from this passphrase (scrypt) instead of keeping a root key file. */
  passphrase?: string;
}

type Fs = typeof import('node:fs/promises');
type Path = typeof import('node:path');
type FileHandle = import('node:fs/promises').FileHandle;

/** Truncates the file after its last newline, removing a record a crash tore mid-append. */
async function cutTornTail(handle: FileHandle): Promise<void> {
  const { size } = await handle.stat();
  const chunk = new Uint8Array(4096);
  for (let end = size; end > 0; end -= chunk.length) {
    const start = Math.max(0, end - chunk.length);
    await handle.read(chunk, 0, end - start, start);
    const lastNewline = chunk.subarray(0, end - start).lastIndexOf(0x0a);
    if (lastNewline === end - start - 1 && end === size) return; // the usual case: nothing torn
    if (lastNewline >= 0) return handle.truncate(start + lastNewline + 1);
  }
  if (size > 0) await handle.truncate(0);
}

async function nodeModules(): Promise<{ fs: Fs; path: Path }> {
  const [fs, path] = await Promise.all([import('node:fs/promises'), import('node:path')]);
  return { fs, path };
}

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException)?.code === 'ENOENT';

export class FileKeyStore implements KeyStore {
  private readonly directory: string;
  private readonly passphrase: string | undefined;
  private readonly root = loadOnce(() => this.loadRootKey());

  constructor(options: FileKeyStoreOptions) {
    if (typeof options?.directory !== 'string' || options.directory.length === 0) {
      throw kmsError('ValidationException', 'directory: expected a path');
    }
    if (options.passphrase !== undefined && (typeof options.passphrase !== 'string' || options.passphrase.length < 8)) {
      throw kmsError('ValidationException', 'passphrase: expected a string of at least 8 characters');
    }
    this.directory = options.directory;
    this.passphrase = options.passphrase;
  }

  /** Loaded once (a load that fails is tried again on the next call). */
  rootKey(): Promise<Uint8Array> {
    return this.root();
  }

  async read(): Promise<StoreSnapshot | undefined> {
    const { fs, path } = await nodeModules();
    const file = path.join(this.directory, STATE_FILE);
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await fs.readFile(file));
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
    const refuse = (why: string) => kmsError('KMSInvalidStateException', `key store ${file} ${why}; it has been left untouched`);
    if (bytes.length < MAGIC.length + 12 + 16 || !MAGIC.every((b, i) => bytes[i] === b)) throw refuse('is truncated or is not a kms-wasm key store');
    let json: Uint8Array;
    try {
      json = gcm(await this.rootKey(), bytes.subarray(8, 20), MAGIC, { constantTime: true }).decrypt(bytes.subarray(20));
    } catch {
      throw refuse('does not authenticate: it is corrupted, or sealed under another root key or passphrase');
    }
    return JSON.parse(new TextDecoder().decode(json)) as StoreSnapshot;
  }

  async write(snapshot: StoreSnapshot): Promise<void> {
    const { path } = await nodeModules();
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const sealed = gcm(await this.rootKey(), iv, MAGIC, { constantTime: true }).encrypt(new TextEncoder().encode(JSON.stringify(snapshot)));
    const bytes = new Uint8Array(MAGIC.length + iv.length + sealed.length);
    bytes.set(MAGIC);
    bytes.set(iv, MAGIC.length);
    bytes.set(sealed, MAGIC.length + iv.length);
    await atomicWriteFile(path.join(this.directory, STATE_FILE), bytes);
  }

  async readAudit(): Promise<AuditRecord[]> {
    const { fs, path } = await nodeModules();
    const file = path.join(this.directory, AUDIT_FILE);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (error) {
      if (isMissing(error)) return [];
      throw error;
    }
    const rootKey = await this.rootKey();
    // Every complete record ends in a newline; text after the last one is a record torn by a crash
    // mid-append, never acknowledged to anyone: skip it (appendAudit cuts it off).
    const complete = text.slice(0, text.lastIndexOf('\n') + 1);
    return complete.split('\n').filter((line) => line.length > 0).map((line, index) => {
      try {
        const bytes = base64ToBytes(line);
        return JSON.parse(new TextDecoder().decode(gcm(rootKey, bytes.subarray(0, 12), AUDIT_AAD, { constantTime: true }).decrypt(bytes.subarray(12)))) as AuditRecord;
      } catch {
        throw kmsError('KMSInvalidStateException', `audit log ${file} line ${index + 1} does not authenticate; it has been left untouched`);
      }
    });
  }

  async appendAudit(record: AuditRecord): Promise<void> {
    const { fs, path } = await nodeModules();
    await fs.mkdir(this.directory, { recursive: true, mode: 0o700 });
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const sealed = gcm(await this.rootKey(), iv, AUDIT_AAD, { constantTime: true }).encrypt(new TextEncoder().encode(JSON.stringify(record)));
    const line = new Uint8Array(iv.length + sealed.length);
    line.set(iv);
    line.set(sealed, iv.length);
    const handle = await fs.open(path.join(this.directory, AUDIT_FILE), 'a+', 0o600);
    try {
      await cutTornTail(handle);
      await handle.writeFile(`${bytesToBase64(line)}\n`); // writeFile carries on through short writes (the handle appends)
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  private async loadRootKey(): Promise<Uint8Array> {
    const { fs, path } = await nodeModules();
    await fs.mkdir(this.directory, { recursive: true, mode: 0o700 });
    if (this.passphrase !== undefined) {
      const salt = await this.readOrCreate(fs, path, SALT_FILE, 16);
      return scryptAsync(new TextEncoder().encode(this.passphrase), salt, { N: 2 ** 17, r: 8, p: 1, dkLen: 32 });
    }
    return this.readOrCreate(fs, path, ROOT_KEY_FILE, 32);
  }

  /**
   * Reads a random secret file, creating it (mode 0600) on first use. It is written to a temporary
   * file and then hard-linked into place, which fails if the file exists: when two processes race,
   * exactly one secret wins and both use it.
   */
  private async readOrCreate(fs: Fs, path: Path, name: string, length: number): Promise<Uint8Array> {
    const file = path.join(this.directory, name);
    const existing = async () => {
      const bytes = new Uint8Array(await fs.readFile(file));
      if (bytes.length !== length) throw kmsError('KMSInvalidStateException', `${file} should hold ${length} bytes, not ${bytes.length}`);
      return bytes;
    };
    try {
      return await existing();
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
    const temporary = `${file}.${crypto.randomUUID()}.tmp`;
    const handle = await fs.open(temporary, 'wx', 0o600);
    try {
      await handle.writeFile(crypto.getRandomValues(new Uint8Array(length)));
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await fs.link(temporary, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      await fs.rm(temporary, { force: true });
    }
    return existing();
  }
}
