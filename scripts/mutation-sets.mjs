// The module sets of `npm run test:mutation`: each set's code is mutated and only its unit tests run
// against it (a narrow set keeps each mutant cheap: no browser, service, PostgreSQL, crash or soak
// tests). A mutant the narrow tests miss might be caught elsewhere in `npm test`, but a module's own
// tests should catch it, so a set's score is what it claims: how well these tests guard this code.

/** @typedef {{ name: string, mutate: string[], tests: string[] }} MutationSet */

/** @type {MutationSet[]} */
export const mutationSets = [
  { name: 'grants', mutate: ['src/kms/grants.ts'], tests: ['test/kms/grants.test.ts', 'test/kms/authorization.test.ts'] },
  // The audit chain's MACs and verification apart from how records reach the disk: one set of all
  // four files made 313 mutants at ~20 s each (the file stores' tests fsync). audit-scale.test.ts
  // (100,000 records, ~2 minutes) is in no set: audit-verification.test.ts holds its other checks.
  {
    name: 'audit-chain',
    mutate: ['src/kms/audit-trail.ts'],
    tests: ['test/kms/audit-and-persistence.test.ts', 'test/kms/audit-verification.test.ts', 'test/kms/audit-segments.test.ts'],
  },
  {
    name: 'audit-log',
    mutate: ['src/kms/audit-log-file.ts', 'src/kms/audit-segments.ts', 'src/kms/audit-writer.ts'],
    tests: ['test/kms/audit-log-file.test.ts', 'test/kms/audit-segments.test.ts', 'test/kms/audit-verification.test.ts', 'test/kms/audit-group-commit.test.ts'],
  },
  { name: 'ciphertext-blob', mutate: ['src/kms/ciphertext-blob.ts'], tests: ['test/kms/crypto.test.ts', 'test/kms/keys.test.ts'] },
  {
    name: 'validate',
    mutate: ['src/core/validate.ts', 'src/core/bytes.ts'], // constantTimeEqual and the byte helpers moved to bytes.ts
    tests: ['test/core/validate.test.ts', 'test/core/byte-helpers.test.ts', 'test/core/errors.test.ts'],
  },
  {
    name: 'envelope-frames',
    mutate: ['src/envelope/framed-decryptor.ts', 'src/envelope/message-format.ts'],
    tests: [
      'test/envelope/format-reference.test.ts',
      'test/envelope/stream-edges.test.ts',
      'test/envelope/ranged-attacks.test.ts',
      'test/envelope/misuse.test.ts',
      'test/envelope/envelope.test.ts',
      'test/envelope/key-zeroing.test.ts', // the decryptor's wipe() of its message key: no other file here looks at it
    ],
  },
  // The TypeScript around the WASM core (checks, chunking through the I/O buffer, tag handling,
  // streaming): the core's own arithmetic is checked by scripts/assembly-mutants.mjs. The
  // differential suites' random runs (~30 s each, 2 minutes for large-input) are left out: the
  // known answers, tampering and edge-length tests here reach every line.
  {
    name: 'core-gcm',
    mutate: ['src/core/gcm.ts', 'src/core/gcm-stream.ts', 'src/core/gcm-state.ts'],
    tests: [
      'test/core/gcm-into.test.ts', 'test/core/gcm-short-message.test.ts', 'test/core/gcm-wycheproof.test.ts',
      'test/core/prepared-gcm-key.test.ts', 'test/core/tampering.test.ts', 'test/core/errors.test.ts', 'test/core/secrets.test.ts',
      'test/core/gcm-misuse.test.ts', 'test/core/gcm-paths.test.ts',
    ],
  },
  {
    name: 'core-xts',
    mutate: ['src/core/xts.ts'],
    tests: ['test/core/xts-wycheproof.test.ts', 'test/core/xts-differential.test.ts', 'test/core/errors.test.ts', 'test/core/secrets.test.ts', 'test/core/xts-misuse.test.ts', 'test/core/xts-paths.test.ts'],
  },
  {
    name: 'kms-authorizer',
    mutate: ['src/kms/kms-authorizer.ts'],
    tests: ['test/kms/authorization.test.ts', 'test/kms/cross-account.test.ts', 'test/kms/grants.test.ts', 'test/policy/authorization-attacks.test.ts'],
  },
  {
    name: 'key-states',
    mutate: ['src/kms/key-states.ts', 'src/kms/key-lifecycle.ts'],
    // store-writes.test.ts: what falls due is looked for before every call, and a call with nothing
    // due (a read) must still write nothing.
    tests: ['test/kms/key-states.test.ts', 'test/kms/key-lifecycle.test.ts', 'test/kms/store-writes.test.ts', 'test/kms/keys.test.ts', 'test/kms/import.test.ts', 'test/kms/rotation.test.ts'],
  },
  { name: 'body-binding', mutate: ['src/s3/body-binding.ts'], tests: ['test/s3/body-binding.test.ts', 'test/s3/sse-c-and-dsse.test.ts'] },
  { name: 'sse-c-keyring', mutate: ['src/s3/sse-c-keyring.ts'], tests: ['test/s3/sse-c-and-dsse.test.ts', 'test/s3/body-binding.test.ts'] },
  // Who may act on a bucket or an object: the S3 authorizer and the checks every object request
  // passes (caller, bucket, key, action per version, SSE-C headers).
  {
    name: 's3-authorizers',
    mutate: ['src/s3/bucket-authorizer.ts', 'src/s3/object-access.ts'],
    tests: ['test/s3/object-access.test.ts', 'test/s3/object-store.test.ts', 'test/s3/versioning-and-copy.test.ts', 'test/s3/sse-c-and-dsse.test.ts', 'test/policy/authorization-attacks.test.ts'],
  },
  // SSE-S3's root-key keyring and S3 Bucket Keys (SSE-C has its set; the per-mode object encryption
  // modules are being split, and get theirs once split).
  {
    name: 's3-sse-keys',
    mutate: ['src/s3/sse-s3-keyring.ts', 'src/s3/bucket-keys.ts'],
    tests: ['test/s3/sse-s3-keyring.test.ts', 'test/s3/bucket-key-cache.test.ts', 'test/s3/bucket-keys.test.ts', 'test/s3/object-store.test.ts', 'test/s3/body-binding.test.ts'],
  },
  // cse-open-object: openObject (a CSE object read by range) is the client's too, and no other file of the set calls it.
  { name: 's3-cse', mutate: ['src/s3/s3-encryption-client.ts', 'src/s3/cse-metadata.ts'], tests: ['test/s3/s3-encryption-client.test.ts', 'test/s3/cse-misuse.test.ts', 'test/s3/cse-open-object.test.ts'] },
  // EBS's attach path: attach, detach and their crash recovery, and the volume keys they unwrap
  // (block-store-process-death.test.ts runs dist/ in a child process, so it is in no set).
  {
    name: 'ebs-attach',
    mutate: ['src/ebs/volume-attachments.ts', 'src/ebs/volume-keys.ts'],
    tests: ['test/ebs/volume-attachments.test.ts', 'test/ebs/block-store.test.ts', 'test/ebs/block-store-clock.test.ts', 'test/policy/authorization-attacks.test.ts'],
  },
  // The policy engine, a set per file, each with the tests that exercise that file (all six files
  // of test/policy/ for each file took ~25 minutes for wildcard.ts alone): the engine's property
  // test (~17 s a run) only where a file decides whole requests; wildcard.ts has its own.
  ...Object.entries({
    wildcard: ['wildcard', 'wildcard-property', 'conditions', 'policy-variables', 'evaluation'],
    arn: ['arn', 'conditions', 'evaluation', 'authorization-attacks', 'policy-property'],
    conditions: ['conditions', 'request-context-keys', 'authorization-attacks', 'policy-property'],
    'access-decision': ['authorization-attacks', 'evaluation', 'policy-property'],
    'policy-evaluator': ['evaluation', 'policy-variables', 'authorization-attacks', 'policy-property'],
  }).map(([name, tests]) => ({
    name: `policy-${name}`,
    mutate: [`src/policy/${name}.ts`],
    tests: tests.map((test) => `test/policy/${test}.test.ts`),
  })),
];

/** The set a run names (MUTATION_SET), or undefined outside a run of scripts/mutation.mjs. */
export function selectedSet() {
  const name = process.env.MUTATION_SET;
  if (name === undefined) return undefined;
  const set = mutationSets.find((candidate) => candidate.name === name);
  if (!set) throw new Error(`MUTATION_SET=${name} names no set in scripts/mutation-sets.mjs`);
  return set;
}
