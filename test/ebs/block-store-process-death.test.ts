// A BlockStore whose process is killed mid-attachment, in a real second process (dist/, so `npm run
// build` first): kept apart from block-store.test.ts, whose in-process tests the ebs-attach mutation
// set runs (its sandbox has no dist/, and a child on dist/ never runs the mutated src/ anyway).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { temporaryDirectories } from '../helpers/temp-dirs.js';
import { BlockStore, FileKeyStore, KeyManagementService } from '../../src/node.js';
import { startChild } from '../helpers/child-processes.js';

const ACCOUNT = '111122223333';
const INSTANCE = 'i-0123456789abcdef0';
const OTHER_INSTANCE = 'i-0fedcba9876543210';

const tempDir = temporaryDirectories('kms-wasm-ebs-');

/** ebs-state.json's JSON, after its MAC header line. */
const savedState = (dir: string) => JSON.parse(readFileSync(join(dir, 'ebs-state.json'), 'utf8').replace(/^.*\n/, ''));

describe('BlockStore residue', () => {
  it('an attachment dies with its process: the next store to open retires its grant, and removes unrecorded sector files and temporary files', async () => {
    const keys = tempDir();
    const dir = tempDir();
    const child = startChild(`
      const kms = new k.KeyManagementService({ account: '${ACCOUNT}', region: 'us-east-1', store: new k.FileKeyStore({ directory: ${JSON.stringify(keys)} }) });
      const ec2 = new k.BlockStore({ kms, dir: ${JSON.stringify(dir)} });
      const { VolumeId, KmsKeyId } = await ec2.createVolume({ Size: 1, Encrypted: true });
      await (await ec2.attachVolume({ VolumeId, InstanceId: '${INSTANCE}' })).write(0, Buffer.from('written before the kill'));
      console.log(JSON.stringify({ VolumeId, KmsKeyId }));
      setInterval(() => {}, 60_000);`);
    const { VolumeId, KmsKeyId } = JSON.parse(await child.nextLine()) as { VolumeId: string; KmsKeyId: string };
    child.process.kill('SIGKILL');
    await child.exit;
    writeFileSync(join(dir, 'sectors', 'snap-0123456789abcdef0.img'), 'a snapshot copy cut short');
    writeFileSync(join(dir, `ebs-state.json.${crypto.randomUUID()}.tmp`), 'a metadata write cut short');
    const store = new FileKeyStore({ directory: keys });
    const kms = new KeyManagementService({ account: ACCOUNT, region: 'us-east-1', store });
    expect((await kms.listGrants({ KeyId: KmsKeyId })).Grants).toHaveLength(1); // still letting the dead instance decrypt
    const ec2 = new BlockStore({ kms, dir });
    expect((await ec2.describeVolumes()).Volumes[0]!.State).toBe('available');
    expect((await kms.listGrants({ KeyId: KmsKeyId })).Grants).toEqual([]);
    expect((await kms.listAuditRecords({ EventName: 'RetireGrant' })).map((r) => r.errorCode)).toEqual([undefined]);
    expect(savedState(dir).volumes[0].attachments).toEqual([]);
    expect(readdirSync(join(dir, 'sectors'))).toEqual([`${VolumeId}.img`]);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const handle = await ec2.attachVolume({ VolumeId, InstanceId: OTHER_INSTANCE });
    expect(Buffer.from(await handle.read(0, 23)).toString()).toBe('written before the kill');
    await ec2.close();
    await store.close();
  });
});
