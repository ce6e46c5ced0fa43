// The message signature: SHA-384 computed incrementally the same way on both paths (node:crypto
// in Node, @noble/hashes in browsers), and ECDSA P-384 verification that accepts the high-S
// signatures OpenSSL (under the Encryption SDK) makes, and nothing else.

import { createHash } from 'node:crypto';
import { p384 } from '@noble/curves/nist.js';
import { describe, expect, it } from 'vitest';
import { AuthenticationError, MessageFormatError } from '../../../src/index.js';
import { MessageSigner, MessageVerifier, newSigningKey } from '../../../src/envelope/aws-esdk/message-signature.js';
import { createSha384 } from '../../../src/envelope/aws-esdk/sha384-stream.js';
import { SeededRandom } from '../../helpers/seeded-random.js';

const rng = new SeededRandom(384);

describe('message signatures', () => {
  it('SHA-384 over random splits: the platform and the JavaScript hash both equal node:crypto one-shot', () => {
    for (const size of [0, 1, 127, 128, 129, 100_000]) {
      const data = rng.bytes(size);
      const expected = new Uint8Array(createHash('sha384').update(data).digest());
      for (const usePlatform of [true, false]) {
        const hash = createSha384(usePlatform);
        for (let at = 0; at < size;) {
          const n = rng.int(300);
          hash.update(data.subarray(at, at + n));
          at += n;
        }
        expect(hash.digest(), `${size} bytes, platform ${usePlatform}`).toEqual(expected);
      }
    }
  });

  it('a signature verifies in low-S and high-S form, and fails for other data or a changed signature', () => {
    const data = rng.bytes(1000);
    const { secretKey, publicKey } = newSigningKey();
    const signer = new MessageSigner(secretKey);
    signer.update(data);
    const der = signer.sign();
    const check = (signature: Uint8Array, signed = data) => {
      const verifier = new MessageVerifier(publicKey);
      verifier.update(signed);
      verifier.verify(signature);
    };
    check(der);
    const { r, s } = p384.Signature.fromBytes(der, 'der');
    const highS = new p384.Signature(r, p384.Point.CURVE().n - s).toBytes('der');
    check(highS);
    expect(() => check(der, rng.bytes(1000))).toThrow(AuthenticationError);
    const changed = der.slice();
    changed[changed.length - 1]! ^= 1;
    expect(() => check(changed)).toThrow(AuthenticationError);
    expect(() => check(new Uint8Array(0))).toThrow(AuthenticationError);
  });

  it('a public key that is not a P-384 point is refused', () => {
    for (const key of [undefined, '', 'not base64!', btoa('x'.repeat(49)), btoa(String.fromCharCode(2, ...new Uint8Array(48).fill(0xff)))]) {
      expect(() => new MessageVerifier(key), String(key)).toThrow(MessageFormatError);
    }
  });
});
