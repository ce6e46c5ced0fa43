// Crash consistency of the directory stores (FileKeyStore, ObjectStore({ dir }), BlockStore({ dir })),
// and of the PostgreSQL stores (PostgresKeyStore, PostgresObjectMetadata, PostgresBlockMetadata, with
// KMS_WASM_TEST_POSTGRES), proven by killing a process that works on them (crash-rounds.ts). The default suite runs a short,
// seeded run whose kills come at chosen file-system writes, so it replays exactly; the long run
// (KMS_WASM_SOAK=1: 200 rounds, half of them killed at a random moment; KMS_WASM_CRASH_ROUNDS and
// KMS_WASM_CRASH_SEED to change it) prints its seed and its counts.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BlockStore, FileKeyStore, KeyManagementService, ObjectStore } from '../../src/node.js';
import { freshDatabase, POSTGRES_URL } from '../helpers/postgres.js';
import { temporaryDirectories } from '../helpers/temp-dirs.js';
import { ACCOUNT, AuditTally, checkStores } from './crash-checks.js';
import { Ledger } from './crash-ledger.js';
import { runCrashRounds, type CrashRunReport } from './crash-rounds.js';

const tempDir = temporaryDirectories('kms-wasm-crash-');
const soak = process.env.KMS_WASM_SOAK === '1';

/** The findings of a run, by kind, each with its round. */
const byKind = (report: CrashRunReport, kinds: string[]) => report.findings.filter((f) => kinds.includes(f.kind)).map((f) => `round ${f.round}: ${f.detail}`);

function expectConsistent(report: CrashRunReport) {
  expect(byKind(report, ['unopenable'])).toEqual([]);
  expect(byKind(report, ['lost'])).toEqual([]);
  expect(byKind(report, ['audit-invalid'])).toEqual([]);
  expect(byKind(report, ['residue'])).toEqual([]);
  expect(byKind(report, ['attachment-grant'])).toEqual([]);
}

describe('crash consistency of the directory stores', () => {
  it('the checks find a lost key, ciphertext, object and sectors, a stray temporary file and a live attachment grant', async () => {
    const dir = tempDir();
    const store = new FileKeyStore({ directory: join(dir, 'kms') });
    const kms = new KeyManagementService({ account: ACCOUNT, region: 'us-east-1', store });
    const s3 = new ObjectStore({ kms, dir: join(dir, 's3') });
    const ec2 = new BlockStore({ kms, dir: join(dir, 'ebs') });
    const { KeyMetadata } = await kms.createKey();
    await s3.createBucket({ Bucket: 'crash-objects' });
    const { VolumeId } = await ec2.createVolume({ Size: 1, Encrypted: true, KmsKeyId: KeyMetadata.KeyId });
    const instance = `arn:aws:sts::${ACCOUNT}:assumed-role/aws-ec2-instance/i-0123456789abcdef0`;
    await kms.createGrant({ KeyId: KeyMetadata.KeyId, GranteePrincipal: instance, Operations: ['Decrypt'], Name: `${VolumeId}-i-0123456789abcdef0` });
    await Promise.all([ec2.close(), s3.close()]);
    await store.close();
    writeFileSync(join(dir, 'kms', 'kms-state.bin.left-behind.tmp'), '');
    const ledger = new Ledger();
    const lost = [
      { t: 'key', keyId: '00000000-0000-0000-0000-000000000000' },
      { t: 'ciphertext', keyId: KeyMetadata.KeyId, ciphertext: 'AAAA', plaintext: 'AAAA', context: {} },
      { t: 'bucket' },
      { t: 'object', key: 'never-written', versionId: 'v1', sha256: '00' },
      { t: 'volume', volumeId: VolumeId },
      { t: 'sectors', volumeId: VolumeId, offset: 0, length: 4096, sha256: '00' },
    ] as const;
    lost.forEach((ack) => ledger.record(ack, 1));
    const { findings } = await checkStores(dir, ledger, new AuditTally(), { round: 1, full: false });
    expect(findings.map((f) => f.kind).sort()).toEqual(['attachment-grant', 'lost', 'lost', 'lost', 'lost', 'residue']);
  });

  it('a process killed at seeded writes loses nothing it acknowledged, leaves no residue, and every change has its audit record', async () => {
    const report = await runCrashRounds({ dir: tempDir(), seed: 5, rounds: 12, mode: 'write', log: console.log });
    expect(report.killedAtWrite + report.killedIdle).toBe(12);
    expect(report.acknowledged).toBeGreaterThan(0);
    expectConsistent(report);
    expect(byKind(report, ['unaudited'])).toEqual([]);
  });

  it.runIf(soak)('long run: killed at random writes and moments, round after round on one directory', async () => {
    const seed = Number(process.env.KMS_WASM_CRASH_SEED ?? crypto.getRandomValues(new Uint32Array(1))[0]);
    const rounds = Number(process.env.KMS_WASM_CRASH_ROUNDS ?? 200);
    const report = await runCrashRounds({ dir: tempDir(), seed, rounds, mode: 'mixed', log: console.log });
    expectConsistent(report);
    expect(byKind(report, ['unaudited'])).toEqual([]);
  }, 3 * 60 * 60_000);
});

describe.skipIf(!POSTGRES_URL)('crash consistency of the PostgreSQL stores', () => {
  /** A run on a fresh database (dropped after it), bodies and sectors in a fresh directory. */
  async function runOnPostgres(options: { seed: number; rounds: number; mode: 'timer' | 'mixed' }) {
    const database = await freshDatabase();
    try {
      const postgres = { url: database.url, rootKey: Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('hex') };
      return await runCrashRounds({ dir: tempDir(), ...options, postgres, log: console.log });
    } finally {
      await database.drop();
    }
  }

  it('a process killed at random moments loses nothing it acknowledged, leaves no residue, and every change has its audit record', async () => {
    const report = await runOnPostgres({ seed: 13, rounds: 6, mode: 'timer' });
    expect(report.rounds).toBe(6);
    expect(report.acknowledged).toBeGreaterThan(0);
    expectConsistent(report);
    expect(byKind(report, ['unaudited'])).toEqual([]);
  }, 10 * 60_000);

  it.runIf(soak)('long run: killed at random writes and moments, round after round on one database', async () => {
    const seed = Number(process.env.KMS_WASM_CRASH_SEED ?? crypto.getRandomValues(new Uint32Array(1))[0]);
    const report = await runOnPostgres({ seed, rounds: Number(process.env.KMS_WASM_CRASH_ROUNDS ?? 200), mode: 'mixed' });
    expectConsistent(report);
    expect(byKind(report, ['unaudited'])).toEqual([]);
  }, 3 * 60 * 60_000);
});
