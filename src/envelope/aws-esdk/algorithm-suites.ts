// The AWS Encryption SDK's AES-256 algorithm suites this package reads, and the two it writes.
// Spec: aws-encryption-sdk-specification, framework/algorithm-suites.md (suite table, KDF inputs,
// commitment) and client-apis/client.md (commitment policies).

import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import type { CHash } from '@noble/hashes/utils.js';
import { CommitmentPolicyError } from './esdk-errors.js';

export interface AlgorithmSuite {
  /** The two-byte identifier in the header, e.g. 0x0478. */
  id: number;
  /** The message format version the suite is written in: 1 (non-committing) or 2 (committing). */
  messageFormat: 1 | 2;
  /** HKDF's hash for the derived data key (and the commit key). */
  kdfHash: CHash;
  /** Whether the header carries a commit key (algorithm suite data) that decryption must check. */
  committing: boolean;
  /** Whether the message ends with an ECDSA P-384 / SHA-384 signature over header and body. */
  signed: boolean;
}

const suites: readonly AlgorithmSuite[] = [
  { id: 0x0178, messageFormat: 1, kdfHash: sha256, committing: false, signed: false }, // AES_256_GCM_IV12_TAG16_HKDF_SHA256
  { id: 0x0378, messageFormat: 1, kdfHash: sha384, committing: false, signed: true }, // AES_256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384
  { id: 0x0478, messageFormat: 2, kdfHash: sha512, committing: true, signed: false }, // AES_256_GCM_HKDF_SHA512_COMMIT_KEY
  { id: 0x0578, messageFormat: 2, kdfHash: sha512, committing: true, signed: true }, // AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384
];

/** Every suite uses AES-256-GCM with a 12-byte IV and a 16-byte tag. */
export const DATA_KEY_BYTES = 32;
export const IV_BYTES = 12;
export const TAG_BYTES = 16;
/** The commit key's length, stored in a v2 header as the algorithm suite data. */
export const COMMIT_KEY_BYTES = 32;

export const SUITE_IDS = suites.map((s) => s.id);

/** The suite with this identifier, or undefined for one this package does not implement. */
export function algorithmSuite(id: number): AlgorithmSuite | undefined {
  return suites.find((s) => s.id === id);
}

/**
 * Which suites may be written and read (client.md, "Commitment Policy"). The default, as in the
 * Encryption SDK, is REQUIRE_ENCRYPT_REQUIRE_DECRYPT: only key-committing messages either way.
 */
export type CommitmentPolicy = 'FORBID_ENCRYPT_ALLOW_DECRYPT' | 'REQUIRE_ENCRYPT_ALLOW_DECRYPT' | 'REQUIRE_ENCRYPT_REQUIRE_DECRYPT';
export const COMMITMENT_POLICIES: readonly CommitmentPolicy[] = ['FORBID_ENCRYPT_ALLOW_DECRYPT', 'REQUIRE_ENCRYPT_ALLOW_DECRYPT', 'REQUIRE_ENCRYPT_REQUIRE_DECRYPT'];
export const DEFAULT_COMMITMENT_POLICY: CommitmentPolicy = 'REQUIRE_ENCRYPT_REQUIRE_DECRYPT';

export function checkCommitmentPolicy(policy: unknown): CommitmentPolicy {
  if (!COMMITMENT_POLICIES.includes(policy as CommitmentPolicy)) {
    throw new CommitmentPolicyError(`commitmentPolicy: expected one of ${COMMITMENT_POLICIES.join(', ')}, got ${String(policy)}`);
  }
  return policy as CommitmentPolicy;
}

/** Throws unless `policy` lets this process write a message under `suite`. */
export function assertEncryptAllowed(policy: CommitmentPolicy, suite: AlgorithmSuite): void {
  const mustCommit = policy !== 'FORBID_ENCRYPT_ALLOW_DECRYPT';
  if (suite.committing !== mustCommit) {
    throw new CommitmentPolicyError(`algorithm suite 0x${hex(suite.id)} is ${suite.committing ? '' : 'not '}key-committing, which commitment policy ${policy} forbids for encryption`);
  }
}

/** Throws unless `policy` lets this process read a message written under `suite`. */
export function assertDecryptAllowed(policy: CommitmentPolicy, suite: AlgorithmSuite): void {
  if (policy === 'REQUIRE_ENCRYPT_REQUIRE_DECRYPT' && !suite.committing) {
    throw new CommitmentPolicyError(`algorithm suite 0x${hex(suite.id)} does not commit to its key, which commitment policy ${policy} forbids; `
      + 'decrypt with REQUIRE_ENCRYPT_ALLOW_DECRYPT to read messages written before key commitment');
  }
}

export const hex = (id: number) => id.toString(16).padStart(4, '0');
