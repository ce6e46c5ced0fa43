// The caching materials manager (framework/caching-cmm.md): data keys reused across messages within
// limits of age, messages and bytes, so a keyring (KMS) is not asked for every message.
//
// Security caveats (the Encryption SDK's own): every message encrypted from one cached entry
// shares its data key, so one compromised data key exposes them all, and the limits are the
// trade-off between that exposure and KMS calls; a cached key stays in memory (zeroed when it
// leaves the cache) for up to maxAge after the keyring would have refused it (a disabled key, a
// revoked grant); decryption reuses an unwrapped key for the same wrapped keys and context without
// asking the keyring again. Encryption without a known plaintext length (streams) bypasses the
// cache, since its bytes cannot be counted up front.

import { bytesToHex } from '@noble/hashes/utils.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { InvalidInputError } from '../../core/errors.js';
import { requireIntegerInRange } from '../../core/validate.js';
import { systemClock, type Clock } from '../../core/clock.js';
import { compareBytes, concatBytes } from '../../core/bytes.js';
import type { AlgorithmSuite } from './algorithm-suites.js';
import { ByteWriter } from './byte-fields.js';
import { serializeEncryptionContext, type MessageHeader } from './header-codec.js';
import type { Keyring } from './keyring.js';
import {
  DefaultMaterialsManager, verifierFor, type DecryptionMaterials, type EncryptionMaterials, type EncryptionMaterialsRequest, type MaterialsManager,
} from './materials-manager.js';

/** The Encryption SDK's ceilings: 2^32 messages per data key, and bytes as far as a JavaScript number counts exactly. */
export const MAX_MESSAGES_PER_CACHED_KEY = 2 ** 32;
export const MAX_BYTES_PER_CACHED_KEY = Number.MAX_SAFE_INTEGER;

export interface CachingMaterialsManagerOptions {
  /** Where fresh materials come from: a keyring (through the default manager) or another manager. */
  keyring?: Keyring;
  materialsManager?: MaterialsManager;
  /** Milliseconds an entry may be used after it was made (required: nothing is cached forever). */
  maxAge: number;
  /** Messages one data key may encrypt (default 2^32). */
  maxMessagesEncrypted?: number;
  /** Plaintext bytes one data key may encrypt, over all its messages (default 2^53 − 1). */
  maxBytesEncrypted?: number;
  /** Entries kept; the least recently used leaves first (default 100). */
  capacity?: number;
  /** Managers with the same partition share entries of a shared cache; default: a random one. */
  partition?: string;
  clock?: Clock;
}

interface Entry {
  created: number;
  messages: number;
  bytes: number;
  encryption?: EncryptionMaterials;
  dataKey?: Uint8Array;
}

const copyEncryptionMaterials = (m: EncryptionMaterials): EncryptionMaterials => ({
  ...m, dataKey: new Uint8Array(m.dataKey), encryptedDataKeys: [...m.encryptedDataKeys],
  ...(m.signingKey ? { signingKey: new Uint8Array(m.signingKey) } : {}),
});

export class CachingMaterialsManager implements MaterialsManager {
  private readonly backing: MaterialsManager;
  private readonly entries = new Map<string, Entry>();
  private readonly maxAge: number;
  private readonly maxMessages: number;
  private readonly maxBytes: number;
  private readonly capacity: number;
  private readonly partition: string;
  private readonly clock: Clock;

  constructor(options: CachingMaterialsManagerOptions) {
    const { keyring, materialsManager } = options ?? ({} as CachingMaterialsManagerOptions);
    if ((keyring === undefined) === (materialsManager === undefined)) throw new InvalidInputError('keyring', 'expected a keyring or a materialsManager (one of them)');
    this.backing = materialsManager ?? new DefaultMaterialsManager(keyring!);
    this.maxAge = requireIntegerInRange('maxAge', options.maxAge, 1, Number.MAX_SAFE_INTEGER);
    this.maxMessages = requireIntegerInRange('maxMessagesEncrypted', options.maxMessagesEncrypted ?? MAX_MESSAGES_PER_CACHED_KEY, 1, MAX_MESSAGES_PER_CACHED_KEY);
    this.maxBytes = requireIntegerInRange('maxBytesEncrypted', options.maxBytesEncrypted ?? MAX_BYTES_PER_CACHED_KEY, 1, MAX_BYTES_PER_CACHED_KEY);
    this.capacity = requireIntegerInRange('capacity', options.capacity ?? 100, 1, 1_000_000);
    if (options.partition !== undefined && (typeof options.partition !== 'string' || options.partition === '')) throw new InvalidInputError('partition', 'expected a non-empty string');
    this.partition = options.partition ?? bytesToHex(crypto.getRandomValues(new Uint8Array(16)));
    this.clock = options.clock ?? systemClock;
  }

  async getEncryptionMaterials(request: EncryptionMaterialsRequest): Promise<EncryptionMaterials> {
    const { plaintextLength } = request;
    if (plaintextLength === undefined) return this.backing.getEncryptionMaterials(request);
    const key = this.cacheKey('encrypt', request.suite, serializeEncryptionContext(request.encryptionContext));
    const entry = this.take(key);
    if (entry?.encryption) {
      entry.messages++;
      entry.bytes += plaintextLength;
      if (!this.exhausted(entry)) return copyEncryptionMaterials(entry.encryption);
      this.evict(key);
    }
    // The backing manager is not told the length: what it gives may encrypt many plaintexts.
    const fresh = await this.backing.getEncryptionMaterials({ suite: request.suite, encryptionContext: request.encryptionContext });
    const created: Entry = { created: this.now(), messages: 1, bytes: plaintextLength, encryption: fresh };
    if (this.exhausted(created)) return fresh; // spent at once (one message above maxBytesEncrypted): not cached
    this.put(key, created);
    return copyEncryptionMaterials(fresh);
  }

  async getDecryptionMaterials(suite: AlgorithmSuite, header: MessageHeader): Promise<DecryptionMaterials> {
    const key = this.cacheKey('decrypt', suite, serializeEncryptionContext(header.encryptionContext),
      ...header.encryptedDataKeys.map((k) => concatBytes([new TextEncoder().encode(k.providerId), new Uint8Array([0]), k.providerInfo, new Uint8Array([0]), k.ciphertext])).sort(compareBytes));
    const entry = this.take(key);
    if (entry?.dataKey && !this.exhausted(entry)) {
      const verifier = verifierFor(suite, header);
      return { dataKey: new Uint8Array(entry.dataKey), ...(verifier ? { verifier } : {}) };
    }
    if (entry) this.evict(key);
    const fresh = await this.backing.getDecryptionMaterials(suite, header);
    this.put(key, { created: this.now(), messages: 0, bytes: 0, dataKey: new Uint8Array(fresh.dataKey) });
    return fresh;
  }

  /** Zeroes and drops every entry. */
  clear(): void {
    for (const key of [...this.entries.keys()]) this.evict(key);
  }

  private now(): number {
    return this.clock.now().getTime();
  }

  private exhausted(entry: Entry): boolean {
    return this.now() - entry.created >= this.maxAge || entry.messages > this.maxMessages || entry.bytes > this.maxBytes;
  }

  /** The entry under `key`, moved to the most recently used end. */
  private take(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    return entry;
  }

  private put(key: string, entry: Entry): void {
    this.evict(key);
    this.entries.set(key, entry);
    while (this.entries.size > this.capacity) this.evict(this.entries.keys().next().value!);
  }

  private evict(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    entry.dataKey?.fill(0);
    entry.encryption?.dataKey.fill(0);
    entry.encryption?.signingKey?.fill(0);
  }

  /** SHA-512 over the partition, the operation, the suite and the parts (each length-prefixed, so no two inputs collide). */
  private cacheKey(operation: string, suite: AlgorithmSuite, ...parts: Uint8Array[]): string {
    const encoder = new TextEncoder();
    const all = [encoder.encode(this.partition), encoder.encode(operation), new Uint8Array([suite.id >> 8, suite.id & 0xff]), ...parts];
    return bytesToHex(sha512(concatBytes(all.flatMap((p) => [new ByteWriter(4).u32(p.length).bytes, p]))));
  }
}
