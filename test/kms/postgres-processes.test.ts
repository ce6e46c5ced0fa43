// Eight processes share one PostgreSQL KMS and hammer it: creating keys, encrypting under shared keys
// while others rotate them, creating, retiring and revoking grants, racing for the same alias names,
// scheduling deletions. A few seconds in the default suite, 30 s with KMS_WASM_SOAK=1. Afterwards
// every acknowledged key and ciphertext must be there and decrypt, the audit trail must verify and
// hold each acknowledged call exactly once (counted per process: each runs as its own principal),
// and no caller may have seen anything but a KMS answer (no serialization failure, no deadlock).
// Children run the built package (dist/): `npm run build` first.
import { describe, expect, it } from 'vitest';
import { Iam, KeyManagementService, PostgresKeyStore } from '../../src/node.js';
import { runChild } from '../helpers/child-processes.js';
import { countedCalls, databaseForFile, lastLine } from '../helpers/child-workload.js';
import { POSTGRES_URL } from '../helpers/postgres.js';
import { ACCOUNT, REGION } from './fixtures.js';

const PROCESSES = 8;
const SECONDS = process.env.KMS_WASM_SOAK === '1' ? 30 : 3;
const workerArn = (n: number) => `arn:aws:iam::${ACCOUNT}:user/worker-${n}`;
const ALLOW_KMS = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] });

interface WorkerReport {
  /** Acknowledged calls by "EventName ok" or "EventName ErrorName". */
  calls: Record<string, number>;
  ciphertexts: Array<{ blob: string; plaintext: string; context: Record<string, string> }>;
  createdKeys: string[];
  scheduledKeys: string[];
  aliasesWon: string[];
  liveGrants: Array<{ keyId: string; grantId: string }>;
  unexpected: string[];
}

/** A worker: random operations until the deadline, then one JSON line reporting what was acknowledged. */
const workerBody = (n: number, url: string, rootKeyHex: string, sharedKeys: string[]) => `
const rootKey = Uint8Array.from(Buffer.from(${JSON.stringify(rootKeyHex)}, 'hex'));
const iam = new k.Iam();
iam.putPrincipalPolicy({ PrincipalArn: ${JSON.stringify(workerArn(n))}, PolicyName: 'kms', PolicyDocument: ${JSON.stringify(ALLOW_KMS)} });
const store = new k.PostgresKeyStore({ connectionString: ${JSON.stringify(url)}, rootKey, poolSize: 3 });
const kms = new k.KeyManagementService({ account: '${ACCOUNT}', region: '${REGION}', store, iam });
const me = { principal: ${JSON.stringify(workerArn(n))} };
const shared = ${JSON.stringify(sharedKeys)};
const report = { calls: {}, ciphertexts: [], createdKeys: [], scheduledKeys: [], aliasesWon: [], liveGrants: [], unexpected: [] };
const pick = (list) => list[random(list.length)];
${countedCalls('k.KmsError', ['AlreadyExistsException', 'NotFoundException', 'KMSInvalidStateException', 'DisabledException'])}
let raceNumber = 0;
await call('ListKeys', () => kms.listKeys({}, me)); // opens the store: the time counted is the workload's
const deadline = Date.now() + ${SECONDS * 1000};
const lanes = Array.from({ length: 4 }, async () => {
  while (Date.now() < deadline && report.unexpected.length === 0) {
    const dice = random(100);
    if (dice < 45) {
      const keyId = pick([...shared, ...report.createdKeys]);
      const plaintext = crypto.getRandomValues(new Uint8Array(32));
      const context = { worker: '${n}', call: crypto.randomUUID() };
      const out = await call('Encrypt', () => kms.encrypt({ KeyId: keyId, Plaintext: plaintext, EncryptionContext: context }, me));
      if (out) report.ciphertexts.push({ blob: Buffer.from(out.CiphertextBlob).toString('base64'), plaintext: Buffer.from(plaintext).toString('base64'), context });
    } else if (dice < 60) {
      const blob = pick(report.ciphertexts);
      if (blob) {
        const out = await call('Decrypt', () => kms.decrypt({ CiphertextBlob: Buffer.from(blob.blob, 'base64'), EncryptionContext: blob.context }, me));
        if (out && Buffer.from(out.Plaintext).toString('base64') !== blob.plaintext) report.unexpected.push('Decrypt returned other bytes');
      }
    } else if (dice < 68) {
      await call('RotateKeyOnDemand', () => kms.rotateKeyOnDemand({ KeyId: pick(shared) }, me));
    } else if (dice < 76) {
      const out = await call('CreateKey', () => kms.createKey({ Description: 'worker ${n}' }, me));
      if (out) report.createdKeys.push(out.KeyMetadata.KeyId);
    } else if (dice < 84) {
      const keyId = pick(shared);
      const out = await call('CreateGrant', () => kms.createGrant({ KeyId: keyId, GranteePrincipal: 'arn:aws:iam::${ACCOUNT}:user/grantee', Operations: ['Decrypt'] }, me));
      if (out) report.liveGrants.push({ keyId, grantId: out.GrantId });
    } else if (dice < 88) {
      const grant = report.liveGrants.pop();
      if (grant) await call('RevokeGrant', () => kms.revokeGrant({ KeyId: grant.keyId, GrantId: grant.grantId }, me));
    } else if (dice < 94) {
      const name = 'alias/race-' + raceNumber++;
      const out = await call('CreateAlias', () => kms.createAlias({ AliasName: name, TargetKeyId: pick(shared) }, me));
      if (out) report.aliasesWon.push(name);
    } else {
      const scratch = await call('CreateKey', () => kms.createKey({ Description: 'scratch ${n}' }, me));
      if (scratch && await call('ScheduleKeyDeletion', () => kms.scheduleKeyDeletion({ KeyId: scratch.KeyMetadata.KeyId, PendingWindowInDays: 7 }, me))) {
        report.scheduledKeys.push(scratch.KeyMetadata.KeyId);
      } else if (scratch) {
        report.createdKeys.push(scratch.KeyMetadata.KeyId);
      }
    }
  }
});
await Promise.all(lanes);
await store.close();
console.log(JSON.stringify(report));
`;

describe.skipIf(!POSTGRES_URL)(`${PROCESSES} processes on one PostgreSQL KMS for ${SECONDS} s`, () => {
  const databaseUrl = databaseForFile();

  it('every acknowledged key and ciphertext survives, the trail verifies with each acknowledged call once, no caller sees a conflict', async () => {
    const rootKey = crypto.getRandomValues(new Uint8Array(32));
    const iam = new Iam();
    for (let n = 0; n < PROCESSES; n++) iam.putPrincipalPolicy({ PrincipalArn: workerArn(n), PolicyName: 'kms', PolicyDocument: ALLOW_KMS });
    const store = new PostgresKeyStore({ connectionString: databaseUrl(), rootKey });
    const kms = new KeyManagementService({ account: ACCOUNT, region: REGION, store, iam });
    const shared: string[] = [];
    for (let i = 0; i < 3; i++) shared.push((await kms.createKey({ Description: `shared ${i}` })).KeyMetadata.KeyId);
    const setupRecords = (await kms.auditHead()).count;

    const outputs = await Promise.all(Array.from({ length: PROCESSES }, (_, n) =>
      runChild(workerBody(n, databaseUrl(), Buffer.from(rootKey).toString('hex'), shared))));
    const reports = outputs.map((out) => lastLine<WorkerReport>(out));

    expect(reports.flatMap((r) => r.unexpected)).toEqual([]);
    const acknowledged = reports.reduce((sum, r) => sum + Object.values(r.calls).reduce((a, b) => a + b, 0), 0);
    expect(acknowledged).toBeGreaterThan(PROCESSES * 5);

    // A fresh process's view: the trail holds the setup's records and each acknowledged call, once, by its principal.
    const checker = new KeyManagementService({ account: ACCOUNT, region: REGION, store: new PostgresKeyStore({ connectionString: databaseUrl(), rootKey }), iam });
    const verification = await checker.verifyAuditTrail();
    expect(verification).toMatchObject({ valid: true, records: setupRecords + acknowledged });
    const records = await checker.listAuditRecords();
    for (const [n, report] of reports.entries()) {
      const counted: Record<string, number> = {};
      for (const r of records.filter((r) => r.principal === workerArn(n))) {
        const key = `${r.eventName} ${r.errorCode ?? 'ok'}`;
        counted[key] = (counted[key] ?? 0) + 1;
      }
      expect(counted, `worker ${n}`).toEqual(report.calls);
    }

    for (const report of reports) {
      for (const { blob, plaintext, context } of report.ciphertexts) {
        const { Plaintext } = await checker.decrypt({ CiphertextBlob: Buffer.from(blob, 'base64'), EncryptionContext: context });
        expect(Buffer.from(Plaintext).toString('base64')).toBe(plaintext);
      }
      for (const keyId of [...shared, ...report.createdKeys]) {
        expect((await checker.describeKey({ KeyId: keyId })).KeyMetadata.KeyState).toBe('Enabled');
      }
      for (const keyId of report.scheduledKeys) {
        expect((await checker.describeKey({ KeyId: keyId })).KeyMetadata.KeyState).toBe('PendingDeletion');
      }
    }
    // Each raced alias name was won by exactly one process, and it exists.
    const won = reports.flatMap((r) => r.aliasesWon).sort();
    expect(new Set(won).size).toBe(won.length);
    const aliases = (await checker.listAliases()).Aliases.map((a) => a.AliasName).filter((name) => name.startsWith('alias/race-')).sort();
    expect(aliases).toEqual(won);
    // Grants acknowledged and not revoked are there; every on-demand rotation made a version.
    const grants = (await Promise.all(shared.map((keyId) => checker.listGrants({ KeyId: keyId })))).flatMap((g) => g.Grants.map((x) => x.GrantId)).sort();
    expect(grants).toEqual(reports.flatMap((r) => r.liveGrants.map((g) => g.grantId)).sort());
    const rotations = (await Promise.all(shared.map((keyId) => checker.listKeyRotations({ KeyId: keyId })))).reduce((sum, r) => sum + r.Rotations.length, 0);
    expect(rotations).toBe(reports.reduce((sum, r) => sum + (r.calls['RotateKeyOnDemand ok'] ?? 0), 0));
    await store.close();
  }, (SECONDS + 120) * 1000);
});
