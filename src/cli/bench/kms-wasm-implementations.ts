// kms-wasm's own ciphers and the platform's native AES (node:crypto, WebCrypto): the rows of the
// benchmark that need nothing beyond the installed package, so `kms-wasm bench` runs them as they
// are and `npm run bench` puts the pure-JS and WASM peers (bench/implementations.ts) between them.
// Keys, IVs and inputs are made once per size, outside the timed functions; what is timed is what
// a caller pays for one message (including per-call key setup, as each library's API requires).
import { createCipheriv, createDecipheriv, randomBytes, webcrypto } from 'node:crypto';
import { gcm } from '../../core/gcm.js';
import { parallelGcm, parallelXts } from '../../core/parallel.js';
import { DEFAULT_SECTOR_BYTES, xts } from '../../core/xts.js';
import type { Implementation } from './measure.js';

export const key32 = randomBytes(32);
export const key64 = randomBytes(64);
export const iv12 = randomBytes(12);
export const iv16 = randomBytes(16);
export const aad = randomBytes(16);

const MiB = 1024 * 1024;
/** Sizes of the multi-core comparison: the pool, its single-thread baselines and noble. */
export const POOL_SIZES = [MiB, 16 * MiB, 64 * MiB];
export const STANDARD_SIZES = [64, 1024, 16 * 1024, MiB, 16 * MiB];
const withPoolSizes = [...STANDARD_SIZES, 64 * MiB];

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

export const KMS_WASM_GCM: Implementation[] = [
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
];

export const NATIVE_GCM: Implementation[] = [
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
];

export const KMS_WASM_XTS: Implementation[] = [
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
    name: 'kms-wasm xts sectors', family: 'XTS / CTR', sizes: POOL_SIZES, sizeUnit: DEFAULT_SECTOR_BYTES,
    prepare(size) {
      const cipher = xts(key64);
      const data = randomBytes(size);
      const sealed = cipher.encryptSectors(data, 0n);
      return { encrypt: () => cipher.encryptSectors(data, 0n), decrypt: () => cipher.decryptSectors(sealed, 0n) };
    },
  },
  {
    name: 'kms-wasm xts sectors (pool)', family: 'XTS / CTR', sizes: POOL_SIZES, sizeUnit: DEFAULT_SECTOR_BYTES,
    prepare(size) {
      const cipher = parallelXts(key64);
      const data = randomBytes(size);
      const sealed = xts(key64).encryptSectors(data, 0n);
      return { encrypt: () => cipher.encryptSectors(data, 0n), decrypt: () => cipher.decryptSectors(sealed, 0n) };
    },
  },
  {
    // What volumes do: the caller's buffer is overwritten, so no fresh output array is paged in.
    name: 'kms-wasm xts sectors in place', family: 'XTS / CTR', sizes: POOL_SIZES, sizeUnit: DEFAULT_SECTOR_BYTES,
    prepare(size) {
      const cipher = xts(key64);
      const data = randomBytes(size);
      return { encrypt: () => cipher.encryptSectorsInPlace(data, 0n), decrypt: () => cipher.decryptSectorsInPlace(data, 0n) };
    },
  },
  {
    name: 'kms-wasm xts sectors in place (pool)', family: 'XTS / CTR', sizes: POOL_SIZES, sizeUnit: DEFAULT_SECTOR_BYTES,
    prepare(size) {
      const cipher = parallelXts(key64);
      const data = randomBytes(size);
      return { encrypt: () => cipher.encryptSectorsInPlace(data, 0n), decrypt: () => cipher.decryptSectorsInPlace(data, 0n) };
    },
  },
];

export const NATIVE_XTS: Implementation[] = [
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
