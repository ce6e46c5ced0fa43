// The implementations under test, each as a factory of encrypt/decrypt closures for one input size.
// Keys, IVs and inputs are made once per size, outside the timed functions; what is timed is what
// a caller pays for one message (including per-call key setup, as each library's API requires).
import { createCipheriv, createDecipheriv, randomBytes, webcrypto } from 'node:crypto';
import { ctr as nobleCtr, gcm as nobleGcm } from '@noble/ciphers/aes.js';
import { AesWasm, Aes128Ctr128BEKey, Memory } from '@hazae41/aes.wasm';
import { AES } from '@stablelib/aes';
import { GCM } from '@stablelib/gcm';
import aesjs from 'aes-js';
import { AES_GCM } from 'asmcrypto.js';
import forge from 'node-forge';
import { gcm, parallelGcm, parallelXts, xts } from '../src/index.js';

export type Family = 'GCM' | 'XTS / CTR';
export type Operation = 'encrypt' | 'decrypt';
type Run = () => unknown;

export interface Implementation {
  name: string;
  family: Family;
  /** Marks the @noble/ciphers entry that ratios in its family are taken against. */
  reference?: boolean;
  /** Input sizes to run at (default: the standard sizes up to 16 MiB). */
  sizes?: number[];
  prepare(size: number): { encrypt: Run; decrypt: Run };
}

await AesWasm.initBundled();

/**
 * A peer is timed only once its output for this input equals node:crypto's (OpenSSL's): a fast
 * wrong answer would make every ratio meaningless.
 */
function checkedAgainstNode(name: string, output: Uint8Array, expected: Uint8Array): void {
  if (!Buffer.from(output).equals(Buffer.from(expected))) throw new Error(`${name} disagrees with node:crypto; not timing it`);
}

/** AES-256-GCM by node:crypto: ciphertext ‖ tag, the layout every GCM peer here returns. */
function nodeGcm(plaintext: Uint8Array): Uint8Array {
  const cipher = createCipheriv('aes-256-gcm', key32, iv12);
  cipher.setAAD(aad);
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

const key32 = randomBytes(32);
const key64 = randomBytes(64);
const iv12 = randomBytes(12);
const iv16 = randomBytes(16);
const aad = randomBytes(16);

function kmsWasmGcm(constantTime: boolean): Implementation['prepare'] {
  return (size) => {
    const plaintext = randomBytes(size);
    const sealed = gcm(key32, iv12, aad, { constantTime }).encrypt(plaintext);
    return {
      encrypt: () => gcm(key32, iv12, aad, { constantTime }).encrypt(plaintext),
      decrypt: () => gcm(key32, iv12, aad, { constantTime }).decrypt(sealed),
    };
  };
}

const MiB = 1024 * 1024;
/** Sizes of the multi-core comparison: the pool, its single-thread baselines and noble. */
export const POOL_SIZES = [MiB, 16 * MiB, 64 * MiB];
export const STANDARD_SIZES = [64, 1024, 16 * 1024, MiB, 16 * MiB];
const withPoolSizes = [...STANDARD_SIZES, 64 * MiB];
/** The slowest peers stop at 1 MiB: they take seconds per message beyond it, and their place is clear. */
const UP_TO_1_MIB = STANDARD_SIZES.filter((size) => size <= MiB);

export const implementations: Implementation[] = [
  { name: 'kms-wasm gcm (default)', family: 'GCM', sizes: withPoolSizes, prepare: kmsWasmGcm(false) },
  { name: 'kms-wasm gcm (constantTime)', family: 'GCM', prepare: kmsWasmGcm(true) },
  {
    name: 'kms-wasm gcm (pool)', family: 'GCM', sizes: POOL_SIZES,
    prepare(size) {
      const plaintext = randomBytes(size);
      const sealed = gcm(key32, iv12, aad).encrypt(plaintext);
      return {
        encrypt: () => parallelGcm(key32, iv12, aad).encrypt(plaintext),
        decrypt: () => parallelGcm(key32, iv12, aad).decrypt(sealed),
      };
    },
  },
  {
    name: '@noble/ciphers gcm', family: 'GCM', reference: true,
    prepare(size) {
      const plaintext = randomBytes(size);
      const sealed = nobleGcm(key32, iv12, aad).encrypt(plaintext);
      return { encrypt: () => nobleGcm(key32, iv12, aad).encrypt(plaintext), decrypt: () => nobleGcm(key32, iv12, aad).decrypt(sealed) };
    },
  },
  {
    name: '@stablelib/gcm', family: 'GCM', sizes: UP_TO_1_MIB,
    prepare(size) {
      const plaintext = randomBytes(size);
      const sealed = new GCM(new AES(key32)).seal(iv12, plaintext, aad);
      checkedAgainstNode('@stablelib/gcm', sealed, nodeGcm(plaintext));
      return {
        encrypt: () => new GCM(new AES(key32)).seal(iv12, plaintext, aad),
        decrypt: () => {
          const opened = new GCM(new AES(key32)).open(iv12, sealed, aad);
          if (opened === null) throw new Error('@stablelib/gcm: tag mismatch');
          return opened;
        },
      };
    },
  },
  {
    name: 'asmcrypto.js gcm', family: 'GCM', sizes: UP_TO_1_MIB,
    prepare(size) {
      const plaintext = randomBytes(size);
      const sealed = AES_GCM.encrypt(plaintext, key32, iv12, aad, 16);
      checkedAgainstNode('asmcrypto.js', sealed, nodeGcm(plaintext));
      return { encrypt: () => AES_GCM.encrypt(plaintext, key32, iv12, aad, 16), decrypt: () => AES_GCM.decrypt(sealed, key32, iv12, aad, 16) };
    },
  },
  {
    name: 'node-forge gcm', family: 'GCM', sizes: UP_TO_1_MIB,
    prepare(size) {
      const keyBytes = key32.toString('binary');
      const [ivBytes, aadBytes] = [iv12.toString('binary'), aad.toString('binary')];
      const plaintext = randomBytes(size).toString('binary');
      const encrypt = () => {
        const cipher = forge.cipher.createCipher('AES-GCM', keyBytes);
        cipher.start({ iv: ivBytes, additionalData: aadBytes, tagLength: 128 });
        cipher.update(forge.util.createBuffer(plaintext));
        cipher.finish();
        return { ciphertext: cipher.output.getBytes(), tag: cipher.mode.tag.getBytes() };
      };
      const { ciphertext, tag } = encrypt();
      const decrypt = () => {
        const decipher = forge.cipher.createDecipher('AES-GCM', keyBytes);
        decipher.start({ iv: ivBytes, additionalData: aadBytes, tagLength: 128, tag: forge.util.createBuffer(tag) });
        decipher.update(forge.util.createBuffer(ciphertext));
        if (!decipher.finish()) throw new Error('node-forge: tag mismatch');
        return decipher.output.getBytes();
      };
      return { encrypt, decrypt };
    },
  },
  {
    name: 'node:crypto gcm (native)', family: 'GCM',
    prepare(size) {
      const plaintext = randomBytes(size);
      const encrypt = () => {
        const cipher = createCipheriv('aes-256-gcm', key32, iv12);
        cipher.setAAD(aad);
        return [cipher.update(plaintext), cipher.final(), cipher.getAuthTag()];
      };
      const [ciphertext, , tag] = encrypt() as Buffer[];
      const decrypt = () => {
        const decipher = createDecipheriv('aes-256-gcm', key32, iv12);
        decipher.setAAD(aad);
        decipher.setAuthTag(tag!);
        return [decipher.update(ciphertext!), decipher.final()];
      };
      return { encrypt, decrypt };
    },
  },
  {
    name: 'WebCrypto AES-GCM (native)', family: 'GCM',
    prepare(size) {
      const plaintext = randomBytes(size);
      const keyPromise = webcrypto.subtle.importKey('raw', key32, 'AES-GCM', false, ['encrypt', 'decrypt']);
      const params = { name: 'AES-GCM', iv: iv12, additionalData: aad };
      const sealedPromise = keyPromise.then((k) => webcrypto.subtle.encrypt(params, k, plaintext));
      return {
        encrypt: async () => webcrypto.subtle.encrypt(params, await keyPromise, plaintext),
        decrypt: async () => webcrypto.subtle.decrypt(params, await keyPromise, await sealedPromise),
      };
    },
  },
  {
    name: 'kms-wasm xts', family: 'XTS / CTR',
    prepare(size) {
      const cipher = xts(key64);
      const data = randomBytes(Math.max(16, size));
      const sealed = cipher.encrypt(data, iv16);
      return { encrypt: () => cipher.encrypt(data, iv16), decrypt: () => cipher.decrypt(sealed, iv16) };
    },
  },
  {
    name: 'kms-wasm xts sectors', family: 'XTS / CTR', sizes: POOL_SIZES,
    prepare(size) {
      const cipher = xts(key64);
      const data = randomBytes(size);
      const sealed = cipher.encryptSectors(data, 0n);
      return { encrypt: () => cipher.encryptSectors(data, 0n), decrypt: () => cipher.decryptSectors(sealed, 0n) };
    },
  },
  {
    name: 'kms-wasm xts sectors (pool)', family: 'XTS / CTR', sizes: POOL_SIZES,
    prepare(size) {
      const cipher = parallelXts(key64);
      const data = randomBytes(size);
      const sealed = xts(key64).encryptSectors(data, 0n);
      return { encrypt: () => cipher.encryptSectors(data, 0n), decrypt: () => cipher.decryptSectors(sealed, 0n) };
    },
  },
  {
    // What volumes do: the caller's buffer is overwritten, so no fresh output array is paged in.
    name: 'kms-wasm xts sectors in place', family: 'XTS / CTR', sizes: POOL_SIZES,
    prepare(size) {
      const cipher = xts(key64);
      const data = randomBytes(size);
      return { encrypt: () => cipher.encryptSectorsInPlace(data, 0n), decrypt: () => cipher.decryptSectorsInPlace(data, 0n) };
    },
  },
  {
    name: 'kms-wasm xts sectors in place (pool)', family: 'XTS / CTR', sizes: POOL_SIZES,
    prepare(size) {
      const cipher = parallelXts(key64);
      const data = randomBytes(size);
      return { encrypt: () => cipher.encryptSectorsInPlace(data, 0n), decrypt: () => cipher.decryptSectorsInPlace(data, 0n) };
    },
  },
  {
    name: '@noble/ciphers ctr', family: 'XTS / CTR', reference: true,
    prepare(size) {
      const data = randomBytes(size);
      return { encrypt: () => nobleCtr(key32, iv16).encrypt(data), decrypt: () => nobleCtr(key32, iv16).decrypt(data) };
    },
  },
  {
    // Rust compiled to WASM; AES-128 only (a fifth fewer rounds than the AES-256 rows around it).
    name: '@hazae41/aes.wasm ctr (AES-128)', family: 'XTS / CTR',
    prepare(size) {
      const data = randomBytes(size);
      const key16 = key32.subarray(0, 16);
      const run = () => {
        using keyMemory = new Memory(key16);
        using ivMemory = new Memory(iv16);
        using cipher = new Aes128Ctr128BEKey(keyMemory, ivMemory);
        using memory = new Memory(data);
        cipher.apply_keystream(memory);
        return memory.bytes.slice();
      };
      checkedAgainstNode('@hazae41/aes.wasm', run(), createCipheriv('aes-128-ctr', key16, iv16).update(data));
      return { encrypt: run, decrypt: run };
    },
  },
  {
    name: 'aes-js ctr', family: 'XTS / CTR', sizes: UP_TO_1_MIB,
    prepare(size) {
      const data = randomBytes(size);
      const run = () => new aesjs.ModeOfOperation.ctr(key32, new aesjs.Counter(1)).encrypt(data);
      return { encrypt: run, decrypt: run };
    },
  },
  {
    name: 'node:crypto xts (native)', family: 'XTS / CTR',
    prepare(size) {
      const data = randomBytes(Math.max(16, size));
      const sealed = Buffer.concat([createCipheriv('aes-256-xts', key64, iv16).update(data)]);
      return {
        encrypt: () => createCipheriv('aes-256-xts', key64, iv16).update(data),
        decrypt: () => createDecipheriv('aes-256-xts', key64, iv16).update(sealed),
      };
    },
  },
];
