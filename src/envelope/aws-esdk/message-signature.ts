// The signature of signed suites: ECDSA over P-384 with SHA-384, of the whole header and body,
// written after the body as a length-prefixed DER signature; the verification key travels in the
// encryption context under "aws-crypto-public-key" as a base64 compressed point.
// Spec: framework/algorithm-suites.md ("Signature Algorithm"), data-format/message-footer.md.
//
// @noble/curves rather than WebCrypto: it takes a hash computed incrementally (so a message of
// any size is signed as it streams), and it reads compressed points, which WebCrypto cannot.
// Verification accepts high-S signatures, which OpenSSL (under the Encryption SDK) produces.

import { p384 } from '@noble/curves/nist.js';
import { base64ToBytes, bytesToBase64 } from '../../core/base64.js';
import { AuthenticationError } from '../../core/errors.js';
import { MessageFormatError } from '../message-format.js';
import { createSha384, type IncrementalHash } from './sha384-stream.js';

export const PUBLIC_KEY_CONTEXT_KEY = 'aws-crypto-public-key';

/** A new signing key pair: the secret key, and the public key as the encryption context carries it. */
export function newSigningKey(): { secretKey: Uint8Array; publicKey: string } {
  const secretKey = p384.utils.randomSecretKey();
  return { secretKey, publicKey: bytesToBase64(p384.getPublicKey(secretKey, true)) };
}

/** Signs everything fed to update() with `secretKey` (its own copy, zeroed once it has signed). */
export class MessageSigner {
  private readonly hash: IncrementalHash = createSha384();
  private readonly secretKey: Uint8Array;

  constructor(secretKey: Uint8Array) {
    this.secretKey = new Uint8Array(secretKey);
  }

  update(bytes: Uint8Array): void {
    this.hash.update(bytes);
  }

  /** The DER signature of all that was fed; the secret key is zeroed. */
  sign(): Uint8Array {
    try {
      return p384.sign(this.hash.digest(), this.secretKey, { prehash: false, format: 'der' });
    } finally {
      this.dispose();
    }
  }

  dispose(): void {
    this.secretKey.fill(0);
  }
}

/** Verifies a message's signature against the public key in its encryption context. */
export class MessageVerifier {
  private readonly hash: IncrementalHash = createSha384();
  private readonly publicKey: Uint8Array;

  constructor(encodedPublicKey: string | undefined) {
    if (encodedPublicKey === undefined) throw new MessageFormatError(`a signed message's encryption context has no "${PUBLIC_KEY_CONTEXT_KEY}"`);
    try {
      this.publicKey = base64ToBytes(encodedPublicKey);
      p384.Point.fromBytes(this.publicKey).assertValidity();
    } catch {
      throw new MessageFormatError(`"${PUBLIC_KEY_CONTEXT_KEY}" in the encryption context is not a P-384 public key`);
    }
  }

  update(bytes: Uint8Array): void {
    this.hash.update(bytes);
  }

  /** Throws AuthenticationError unless `signature` (DER) signs all that was fed. */
  verify(signature: Uint8Array): void {
    let valid = false;
    try {
      valid = p384.verify(signature, this.hash.digest(), this.publicKey, { prehash: false, lowS: false, format: 'der' });
    } catch {
      valid = false;
    }
    if (!valid) throw new AuthenticationError('the message signature does not verify: the message was changed');
  }
}
