import { describe, expect, it } from 'vitest';
import { AuthenticationError, createGcmDecryptor, gcm, InvalidInputError } from '../../src/index.js';
import { concat, hex, toHex } from '../helpers/bytes.js';
import { loadGroups, type AeadVector } from '../helpers/wycheproof.js';

const groups = loadGroups<AeadVector>('wycheproof_aes_gcm_test.json').filter((g) => g.keySize === 256);
const vectors = groups.flatMap((g) => g.tests.map((t) => ({ ...t, tagBytes: g.tagSize! / 8 })));

describe('AES-256-GCM: Wycheproof', () => {
  it('has every AES-256 group', () => {
    expect(groups.length).toBeGreaterThanOrEqual(10);
    expect(vectors.length).toBe(105);
  });

  for (const v of vectors) {
    const label = `tcId ${v.tcId} ${v.result} [${v.flags.join(',')}] ${v.comment}`;
    const [key, iv, aad, msg] = [hex(v.key), hex(v.iv), hex(v.aad), hex(v.msg)];
    const sealed = concat([hex(v.ct), hex(v.tag)]);

    if (iv.length === 0) {
      it(`${label}: an empty IV is refused`, () => {
        expect(() => gcm(key, iv, aad)).toThrow(InvalidInputError);
        expect(() => createGcmDecryptor(key, iv, aad)).toThrow(/iv: must not be empty/);
      });
    } else if (v.result === 'valid') {
      it(`${label}: encrypts and decrypts`, () => {
        expect(toHex(gcm(key, iv, aad).encrypt(msg))).toBe(toHex(sealed));
        expect(toHex(gcm(key, iv, aad).decrypt(sealed))).toBe(v.msg);
        const stream = createGcmDecryptor(key, iv, aad);
        const plain = concat([stream.update(sealed), stream.final()]);
        expect(toHex(plain)).toBe(v.msg);
      });
    } else {
      it(`${label}: decryption throws and releases nothing`, () => {
        let released: Uint8Array | undefined;
        expect(() => { released = gcm(key, iv, aad).decrypt(sealed); }).toThrow(AuthenticationError);
        expect(released).toBeUndefined();
        const stream = createGcmDecryptor(key, iv, aad);
        stream.update(sealed);
        expect(() => stream.final()).toThrow(AuthenticationError);
      });
    }
  }
});
