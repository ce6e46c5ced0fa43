// A directory store's metadata file (s3-state.json, ebs-state.json), authenticated so that damage or
// an edit (a volume's "Encrypted" flipped to false, say) is refused rather than believed:
//
//   kms-wasm-metadata v2 hmac-sha256=<64 hex digits>\n
//   <the metadata as JSON>
//
// The MAC is HMAC-SHA-256 over the JSON bytes under a key derived (HKDF-SHA-256) from the store's
// metadata key, a 32-byte secret file beside it (`<name>.key`, mode 0600, created race-free on first
// open), with the file's name in the derivation so one file cannot stand in for another. It is
// compared in constant time. Stores written by kms-wasm 0.1 had plain JSON and no metadata key: such a
// file is accepted once, when the store is opened without a metadata key, and written back with its
// MAC at once; once the key exists, a file without a valid MAC is refused.

import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { constantTimeEqual } from '../core/bytes.js';
import { atomicWriteFile, readOrCreateSecret, removeFiles, temporaryFilesOf } from '../platform/atomic-file.js';
import { StoreIntegrityError } from '../platform/store-errors.js';

const HEADER = /^kms-wasm-metadata v2 hmac-sha256=([0-9a-f]{64})\n/;
const encoder = new TextEncoder();

export class AuthenticatedMetadata<T> {
  private constructor(private readonly file: string, private readonly macKey: Uint8Array) {}

  /**
   * Opens `<directory>/<name>.json` (its key `<name>.key` created if missing) and returns its
   * content, undefined for a new store. Throws StoreIntegrityError, touching nothing, for a damaged
   * file. Call it under the store's lock (it removes temporary files that crashed writes left, and
   * the key's creation decides whether a plain file is accepted).
   */
  static async open<T>(directory: string, name: string): Promise<{ metadata: AuthenticatedMetadata<T>; saved: T | undefined }> {
    const fs = await import('node:fs/promises');
    const file = `${directory}/${name}.json`;
    const keyFile = `${directory}/${name}.key`;
    await removeFiles(directory, temporaryFilesOf([`${name}.json`, `${name}.key`]));
    const keyExisted = await fs.access(keyFile).then(() => true, () => false);
    const secret = await readOrCreateSecret(keyFile, 32);
    const metadata = new AuthenticatedMetadata<T>(file, hkdf(sha256, secret, undefined, encoder.encode(`kms-wasm metadata mac v1 ${name}`), 32));
    secret.fill(0);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { metadata, saved: undefined };
      throw error;
    }
    const header = HEADER.exec(text);
    if (!header) {
      if (keyExisted || !text.startsWith('{')) throw new StoreIntegrityError(file, 'has no kms-wasm metadata header with its MAC: it is damaged');
      const saved = metadata.parse(text);
      await metadata.write(saved); // a kms-wasm 0.1 store: authenticated from now on
      return { metadata, saved };
    }
    const body = text.slice(header[0].length);
    if (!constantTimeEqual(metadata.mac(body), hexToBytes(header[1]!))) {
      throw new StoreIntegrityError(file, 'does not authenticate: it was damaged or edited, or its key file was replaced');
    }
    return { metadata, saved: metadata.parse(body) };
  }

  async write(value: T): Promise<void> {
    const body = JSON.stringify(value, null, 1);
    await atomicWriteFile(this.file, encoder.encode(`kms-wasm-metadata v2 hmac-sha256=${bytesToHex(this.mac(body))}\n${body}`));
  }

  private mac(body: string): Uint8Array {
    return hmac(sha256, this.macKey, encoder.encode(body));
  }

  private parse(body: string): T {
    try {
      return JSON.parse(body) as T;
    } catch {
      throw new StoreIntegrityError(this.file, 'is not valid JSON: it is damaged');
    }
  }
}
