// The implementations under test in `npm run bench`: kms-wasm's own and the platform's native rows
// (src/cli/bench/kms-wasm-implementations.ts, which `kms-wasm bench` runs alone) with the pure-JS
// and WASM peers between them, each as a factory of encrypt/decrypt closures for one input size.
import { createCipheriv, randomBytes } from 'node:crypto';
import { ctr as nobleCtr, gcm as nobleGcm } from '@noble/ciphers/aes.js';
import { AesWasm, Aes128Ctr128BEKey, Memory } from '@hazae41/aes.wasm';
import { AES } from '@stablelib/aes';
import { GCM } from '@stablelib/gcm';
import aesjs from 'aes-js';
import { AES_GCM } from 'asmcrypto.js';
import forge from 'node-forge';
import type { Implementation } from '../src/cli/bench/measure.js';
import {
  aad, iv12, iv16, key32, KMS_WASM_GCM, KMS_WASM_XTS, NATIVE_GCM, NATIVE_XTS, STANDARD_SIZES,
} from '../src/cli/bench/kms-wasm-implementations.js';

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

const MiB = 1024 * 1024;
/** The slowest peers stop at 1 MiB: they take seconds per message beyond it, and their place is clear. */
const UP_TO_1_MIB = STANDARD_SIZES.filter((size) => size <= MiB);

export const implementations: Implementation[] = [
  ...KMS_WASM_GCM,
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
  ...NATIVE_GCM,
  ...KMS_WASM_XTS,
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
  ...NATIVE_XTS,
];
