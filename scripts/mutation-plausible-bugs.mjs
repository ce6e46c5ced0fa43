// The twenty plausible one-line bugs of issue 21 (`npm run test:mutation:bugs`): each is a mistake an
// implementer could make in the security-critical code, put into a copy of src/ one at a time, and
// the unit tests named with it must fail. The issue found half of them passing the whole suite;
// this keeps them caught. Unlike Stryker's mutants, each is chosen for the attack it opens (a cut
// message, a relinked audit record, a grant used on another key…), and each names the tests that
// catch it, which README's table lists.
//   node scripts/mutation-plausible-bugs.mjs [<bug name substring> …]
import { applyInCopy, failedTests, sourceCopy, vitestPasses } from './mutation-copy.mjs';

const BUGS = [
  // Tags and GCM.
  { name: 'a constant-time comparison ignores a length difference', file: 'src/core/bytes.ts',
    from: '  if (a.length !== b.length) return false;\n', to: '', tests: ['test/core/byte-helpers.test.ts'] },
  { name: 'GCM does not check the tag of an empty ciphertext', file: 'src/core/gcm.ts',
    from: 'if (!constantTimeEqual(expectedTag,', to: 'if (textLength > 0 && !constantTimeEqual(expectedTag,', tests: ['test/core/gcm-into.test.ts'] },
  { name: 'GCM leaves a forged message\'s plaintext in the output', file: 'src/core/gcm.ts',
    from: '    output.fill(0, offset, offset + textLength);\n', to: '', tests: ['test/core/gcm-into.test.ts'] },
  // The envelope format.
  { name: 'a frame\'s AAD leaves out the final-frame flag (a cut message ends in a relabelled frame)', file: 'src/envelope/message-format.ts',
    from: 'aad[40] = final ? 1 : 0;', to: 'aad[40] = 0;', tests: ['test/envelope/format-reference.test.ts', 'test/envelope/misuse.test.ts'] },
  { name: 'frames may skip numbers (a dropped frame goes unnoticed)', file: 'src/envelope/framed-decryptor.ts',
    from: 'if (number !== expected) throw', to: 'if (number < expected) throw', tests: ['test/envelope/format-reference.test.ts', 'test/envelope/envelope.test.ts'] },
  { name: 'bytes after the final frame are ignored', file: 'src/envelope/framed-decryptor.ts',
    from: 'if (this.done && this.buffer.length > 0) {', to: 'if (this.done && this.buffer.length > 16) {', tests: ['test/envelope/stream-edges.test.ts'] },
  // The policy engine.
  { name: 'StringEquals ignores case (AWS compares case-sensitively)', file: 'src/policy/conditions.ts',
    from: 'const equal: Compare = (p, c) => patternText(p) === c;', to: 'const equal: Compare = (p, c) => patternText(p).toLowerCase() === c.toLowerCase();',
    tests: ['test/policy/conditions.test.ts'] },
  { name: 'a negated operator on a multivalued key holds when any value differs', file: 'src/policy/conditions.ts',
    from: '  if (negated && qualifier === undefined) return values.every(matchesOne);\n', to: '', tests: ['test/policy/conditions.test.ts'] },
  { name: 'an explicit Deny in an identity policy is not honoured', file: 'src/policy/access-decision.ts',
    from: 'if (resource.denied || question.identity.denied)', to: 'if (resource.denied)', tests: ['test/policy/authorization-attacks.test.ts', 'test/policy/evaluation.test.ts'] },
  { name: 'a version read is authorized as s3:GetObject, not s3:GetObjectVersion', file: 'src/s3/object-store.ts',
    from: 'versioned ? `${action}Version` : action', to: 'action', tests: ['test/s3/versioning-and-copy.test.ts'] },
  // Grants.
  { name: 'a grant is honoured on a key it was not made for', file: 'src/kms/kms-calls.ts',
    from: 'grantFor(directory.grantsOf(key.keyId),', to: 'grantFor([...directory.grants.values()],', tests: ['test/kms/grants.test.ts'] },
  { name: 'a grant is honoured for a principal it does not name', file: 'src/kms/grants.ts',
    from: 'g.granteePrincipal === principal\n    && ', to: '', tests: ['test/kms/grants.test.ts'] },
  { name: 'a grant is honoured for an operation it does not list', file: 'src/kms/grants.ts',
    from: '(g.operations as string[]).includes(operation) && ', to: '', tests: ['test/kms/grants.test.ts'] },
  // KMS keys and blobs.
  { name: 'a ciphertext blob is not bound to its encryption context', file: 'src/kms/ciphertext-blob.ts',
    from: 'concatBytes([header, canonicalEncryptionContext(context)])', to: 'concatBytes([header])', tests: ['test/kms/crypto.test.ts'] },
  { name: 'a disabled key still encrypts and decrypts', file: 'src/kms/key-states.ts',
    from: "CRYPTO.map((op) => [op, ['Enabled']])", to: "CRYPTO.map((op) => [op, ['Enabled', 'Disabled']])", tests: ['test/kms/keys.test.ts'] },
  // The audit chain.
  { name: 'an audit record\'s MAC does not cover the previous record\'s (records can be removed and relinked)', file: 'src/kms/audit-trail.ts',
    from: 'const fields = [record.previousMac, record.eventId,', to: 'const fields = [record.eventId,', tests: ['test/kms/audit-and-persistence.test.ts'] },
  { name: 'a trail whose last records were deleted verifies where the store keeps its head apart (PostgreSQL)', file: 'src/kms/audit-trail.ts',
    from: '  if (head.count < count) return invalid(head.count);\n', to: '', tests: ['test/kms/audit-and-persistence.test.ts'] },
  // SSE-C and stored bodies.
  { name: 'an SSE-C request without its key MD5 is accepted', file: 'src/s3/sse-c-keyring.ts',
    from: 'if (!expected || !constantTimeEqual(md5(key), expected))', to: 'if (expected && !constantTimeEqual(md5(key), expected))', tests: ['test/s3/sse-c-and-dsse.test.ts'] },
  { name: 'an SSE-C read with another key is not refused as AccessDenied', file: 'src/s3/sse-c-keyring.ts',
    from: 'if (!constantTimeEqual(mac, base64ToBytes(check.mac)))', to: 'if (false && !constantTimeEqual(mac, base64ToBytes(check.mac)))', tests: ['test/s3/sse-c-and-dsse.test.ts'] },
  { name: 'a stored body is not checked to be that of the object read (bodies swapped on disk)', file: 'src/s3/body-binding.ts',
    from: 'if (context[OBJECT_ARN_KEY] !== binding.objectArn || versionId', to: 'if (versionId', tests: ['test/s3/body-binding.test.ts'] },
];

const wanted = process.argv.slice(2);
const selected = wanted.length ? BUGS.filter((bug) => wanted.some((w) => bug.name.includes(w))) : BUGS;

const results = [];
const copy = sourceCopy('kms-wasm-plausible-bugs-', ['src', 'test', 'package.json', 'tsconfig.json', 'vitest.config.ts']);
try {
  // The unmodified code must pass every test file used, or a "caught" below would mean nothing.
  const files = [...new Set(selected.flatMap((bug) => bug.tests))];
  if (!vitestPasses(copy.dir, files)) throw new Error(`the unmodified code fails vitest run ${files.join(' ')}`);
  for (const bug of selected) {
    const failed = applyInCopy(copy.dir, bug, () => failedTests(copy.dir, bug.tests));
    const outcome = failed.length > 0 ? 'caught' : 'MISSED';
    results.push({ bug, outcome });
    console.log(`${outcome.padEnd(7)} ${bug.file}: ${bug.name}\n        ${failed.length > 0 ? `by ${failed[0]}` : `by none of ${bug.tests.join(' ')}`}`);
  }
} finally {
  copy.remove();
}

const missed = results.filter(({ outcome }) => outcome !== 'caught');
console.log(`\n${results.length - missed.length} of ${results.length} plausible bugs caught`);
process.exit(missed.length === 0 ? 0 : 1);
