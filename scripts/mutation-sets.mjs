// The module sets of `npm run test:mutation`: each set's code is mutated and only its unit tests run
// against it (a narrow set keeps each mutant cheap: no browser, service, PostgreSQL, crash or soak
// tests). A mutant the narrow tests miss might be caught elsewhere in `npm test`, but a module's own
// tests should catch it, so a set's score is what it claims: how well these tests guard this code.

/** @typedef {{ name: string, mutate: string[], tests: string[] }} MutationSet */

/** @type {MutationSet[]} */
export const mutationSets = [
  { name: 'grants', mutate: ['src/kms/grants.ts'], tests: ['test/kms/grants.test.ts', 'test/kms/authorization.test.ts'] },
  {
    name: 'audit-trail',
    mutate: ['src/kms/audit-trail.ts', 'src/kms/audit-log-file.ts', 'src/kms/audit-segments.ts', 'src/kms/audit-writer.ts'],
    tests: ['test/kms/audit-and-persistence.test.ts', 'test/kms/audit-segments.test.ts', 'test/kms/audit-group-commit.test.ts'],
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
    ],
  },
  { name: 'body-binding', mutate: ['src/s3/body-binding.ts'], tests: ['test/s3/body-binding.test.ts', 'test/s3/sse-c-and-dsse.test.ts'] },
  { name: 'sse-c-keyring', mutate: ['src/s3/sse-c-keyring.ts'], tests: ['test/s3/sse-c-and-dsse.test.ts', 'test/s3/body-binding.test.ts'] },
  ...['conditions', 'wildcard', 'arn', 'access-decision', 'policy-evaluator'].map((name) => ({
    name: `policy-${name}`,
    mutate: [`src/policy/${name}.ts`],
    tests: [
      'test/policy/conditions.test.ts',
      'test/policy/evaluation.test.ts',
      'test/policy/authorization-attacks.test.ts',
      'test/policy/policy-variables.test.ts',
      'test/policy/request-context-keys.test.ts',
      'test/policy/policy-property.test.ts',
    ],
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
