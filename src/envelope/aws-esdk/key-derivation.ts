// The derived data key (what encrypts the header tag and every frame) and, for committing suites,
// the commit key stored in the header. Spec: framework/algorithm-suites.md ("Key Derivation
// Algorithm", "Commit Key") and transitive-requirements.md ("HKDF Encryption Key").
//
//   committing (v2):     key    = HKDF(hash, salt = message id, ikm = data key, info = suite id ‖ "DERIVEKEY")
//                        commit = HKDF(hash, salt = message id, ikm = data key, info = "COMMITKEY")
//   non-committing (v1): key    = HKDF(hash, salt = none, ikm = data key, info = suite id ‖ message id)

import { hkdf } from '@noble/hashes/hkdf.js';
import { AuthenticationError } from '../../core/errors.js';
import { concatBytes, constantTimeEqual } from '../../core/bytes.js';
import { COMMIT_KEY_BYTES, DATA_KEY_BYTES, type AlgorithmSuite } from './algorithm-suites.js';

const DERIVE_KEY_LABEL = new TextEncoder().encode('DERIVEKEY');
const COMMIT_KEY_LABEL = new TextEncoder().encode('COMMITKEY');

const suiteIdBytes = (suite: AlgorithmSuite) => new Uint8Array([suite.id >> 8, suite.id & 0xff]);

/** The key for the header tag and the body. The caller zeroes it. */
export function deriveDataKey(suite: AlgorithmSuite, dataKey: Uint8Array, messageId: Uint8Array): Uint8Array {
  if (suite.committing) return hkdf(suite.kdfHash, dataKey, messageId, concatBytes([suiteIdBytes(suite), DERIVE_KEY_LABEL]), DATA_KEY_BYTES);
  return hkdf(suite.kdfHash, dataKey, undefined, concatBytes([suiteIdBytes(suite), messageId]), DATA_KEY_BYTES);
}

/** The commit key a committing suite writes in the header. */
export function deriveCommitKey(suite: AlgorithmSuite, dataKey: Uint8Array, messageId: Uint8Array): Uint8Array {
  return hkdf(suite.kdfHash, dataKey, messageId, COMMIT_KEY_LABEL, COMMIT_KEY_BYTES);
}

/**
 * Throws AuthenticationError unless the header's commit key is the one this data key gives
 * (decrypt.md: checked before anything is decrypted, in constant time).
 */
export function verifyCommitKey(suite: AlgorithmSuite, dataKey: Uint8Array, messageId: Uint8Array, commitKey: Uint8Array): void {
  const expected = deriveCommitKey(suite, dataKey, messageId);
  const matches = constantTimeEqual(expected, commitKey);
  expected.fill(0);
  if (!matches) throw new AuthenticationError('the key commitment in the header does not match the data key: the message was changed or made to decrypt differently under other keys');
}
