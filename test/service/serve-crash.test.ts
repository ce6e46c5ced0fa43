// `kms-wasm serve` killed (SIGKILL) while concurrent KMS calls are in flight: every call it
// acknowledged has its audit record in the directory afterwards. Concurrent calls share one write
// and one fsync of the audit log (group commit, audit-writer.ts); a call is answered only once the
// commit holding its record has returned, so no kill can lose an answered call's record. Each
// call carries its own encryption context, which its audit record holds, so the records are matched
// call by call, not merely counted. The trail still verifies after each kill.

import { GenerateDataKeyCommand, KMSClient, CreateKeyCommand } from '@aws-sdk/client-kms';
import { describe, expect, it } from 'vitest';
import { FileKeyStore, KeyManagementService } from '../../src/node.js';
import { temporaryDirectories } from '../helpers/temp-dirs.js';
import { printedCredentials, serve } from './cli-process.js';
import { ACCOUNT, type Credentials } from './service-fixture.js';

const newDirectory = temporaryDirectories('kms-wasm-serve-crash-');
const CONCURRENT = 16;
const ROUNDS = 3;

/** Calls GenerateDataKey from CONCURRENT loops until the server dies; returns the ids of the calls it answered. */
async function callUntilKilled(url: string, credentials: Credentials, keyId: string, round: number, kill: (answered: number) => void): Promise<string[]> {
  const kms = new KMSClient({ endpoint: url, region: 'us-east-1', credentials, maxAttempts: 1 });
  const answered: string[] = [];
  let dead = false;
  await Promise.all(Array.from({ length: CONCURRENT }, async (_, loop) => {
    for (let i = 0; !dead; i++) {
      const call = `${round}.${loop}.${i}`;
      try {
        const { Plaintext } = await kms.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: { call } }));
        Plaintext!.fill(0);
      } catch {
        dead = true; // the server is gone: this call was never answered
        return;
      }
      answered.push(call);
      kill(answered.length);
    }
  }));
  kms.destroy();
  return answered;
}

describe('kms-wasm serve killed mid-call', () => {
  it(`keeps the audit record of every answered call (${ROUNDS} SIGKILLs during ${CONCURRENT} concurrent GenerateDataKey loops)`, async () => {
    const dir = newDirectory();
    const first = await serve(dir);
    const credentials = printedCredentials(first.stdout());
    const setup = new KMSClient({ endpoint: first.url, region: 'us-east-1', credentials, maxAttempts: 1 });
    const { KeyMetadata } = await setup.send(new CreateKeyCommand({}));
    setup.destroy();
    let server = first;
    const answered: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      if (round > 0) server = await serve(dir, { KMS_WASM_ROOT_ACCESS_KEY_ID: credentials.accessKeyId, KMS_WASM_ROOT_SECRET_ACCESS_KEY: credentials.secretAccessKey });
      expect(server.url).not.toBe('');
      // Killed after a number of answers that differs by round, so the kill lands at different points of a commit.
      const killAfter = 40 + 37 * round;
      const child = server.child;
      answered.push(...await callUntilKilled(server.url, credentials, KeyMetadata!.KeyId!, round, (count) => {
        if (count === killAfter) child.kill('SIGKILL');
      }));
      await server.exited;
    }
    expect(answered.length).toBeGreaterThanOrEqual(40 + 77 + 114);

    const store = new FileKeyStore({ directory: dir, readOnly: true });
    const kms = new KeyManagementService({ account: ACCOUNT, region: 'us-east-1', store });
    expect((await kms.verifyAuditTrail()).valid).toBe(true);
    const recorded = new Set((await kms.listAuditRecords({ EventName: 'GenerateDataKey' })).map((r) => r.encryptionContext?.call));
    expect(answered.filter((call) => !recorded.has(call))).toEqual([]);
    await store.close();
  }, 120_000);
});
