// A PUT or DELETE costs the same however many objects exist: it appends one journal line (and
// writes its own body file), rewriting nothing else. Counted in bytes and files, never timed.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KeyManagementService, ObjectStore } from '../../src/node.js';
import { temporaryDirectories } from '../helpers/temp-dirs.js';

const tempDir = temporaryDirectories('kms-wasm-cost-');
const key = (i: number) => `key-${String(i).padStart(5, '0')}`;

/** Every file of the store but the bodies, with its size and modification time. */
function metadataFiles(dir: string): Map<string, string> {
  return new Map(readdirSync(dir).filter((f) => f !== 'objects').map((f) => {
    const stat = statSync(join(dir, f));
    return [f, `${stat.size} ${stat.mtimeMs}`];
  }));
}

/** What one PUT and one DELETE wrote: journal lines and bytes, other metadata files changed, body files added. */
async function costOfOneChange(dir: string, s3: ObjectStore, i: number) {
  const journal = join(dir, 's3-journal.log');
  const lines = () => readFileSync(journal, 'utf8').split('\n').length - 1;
  const before = { lines: lines(), bytes: statSync(journal).size, files: metadataFiles(dir), bodies: readdirSync(join(dir, 'objects')).length };
  await s3.putObject({ Bucket: 'many', Key: key(i), Body: 'x'.repeat(100), ServerSideEncryption: 'AES256' });
  const after = metadataFiles(dir);
  const changed = [...after].filter(([f, v]) => f !== 's3-journal.log' && before.files.get(f) !== v).map(([f]) => f);
  const put = { lines: lines() - before.lines, bytes: statSync(journal).size - before.bytes, changed, bodies: readdirSync(join(dir, 'objects')).length - before.bodies };
  const beforeDelete = statSync(journal).size;
  await s3.deleteObject({ Bucket: 'many', Key: key(i) });
  return { put, deleteBytes: statSync(journal).size - beforeDelete };
}

describe('cost per change is flat in the number of objects', () => {
  it('at 10 and at 5,000 objects a PUT appends one line of the same length and a DELETE another; nothing else is rewritten', async () => {
    const dir = tempDir();
    const kms = new KeyManagementService({ account: '111122223333', region: 'us-east-1' });
    const s3 = new ObjectStore({ kms, dir });
    await s3.createBucket({ Bucket: 'many' });
    const fill = async (from: number, to: number) => {
      for (let at = from; at < to; at += 100) {
        await Promise.all(Array.from({ length: Math.min(100, to - at) }, (_, j) => s3.putObject({ Bucket: 'many', Key: key(at + j), Body: 'x' })));
      }
    };
    await fill(0, 10);
    const small = await costOfOneChange(dir, s3, 90_000);
    await fill(10, 5_000);
    const large = await costOfOneChange(dir, s3, 90_001);
    expect(small.put).toEqual({ lines: 1, bytes: small.put.bytes, changed: [], bodies: 1 });
    expect(large.put).toEqual(small.put);
    expect(large.deleteBytes).toBe(small.deleteBytes);
    expect(small.deleteBytes).toBeLessThan(200);

    // The listing is still every key, in order, page by page.
    const listed: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.listObjectsV2({ Bucket: 'many', MaxKeys: 1000, ContinuationToken: token });
      listed.push(...page.Contents.map((c) => c.Key));
      token = page.NextContinuationToken;
    } while (token);
    expect(listed).toEqual(Array.from({ length: 5_000 }, (_, i) => key(i)));
    await s3.close();
  }, 180_000);

  it('superseded records are compacted away: a key overwritten 1,500 times leaves a short journal, and reopens to its last version', async () => {
    const dir = tempDir();
    const kms = new KeyManagementService({ account: '111122223333', region: 'us-east-1' });
    const s3 = new ObjectStore({ kms, dir });
    await s3.createBucket({ Bucket: 'many' });
    for (let at = 0; at < 1_500; at += 100) {
      await Promise.all(Array.from({ length: 100 }, (_, j) => s3.putObject({ Bucket: 'many', Key: 'hot', Body: `version ${at + j}` })));
    }
    await s3.putObject({ Bucket: 'many', Key: 'hot', Body: 'the last' });
    await s3.close();
    const lines = readFileSync(join(dir, 's3-journal.log'), 'utf8').split('\n').length - 1;
    expect(lines).toBeLessThan(1_100);
    const reopened = new ObjectStore({ kms, dir });
    expect(await (await reopened.getObject({ Bucket: 'many', Key: 'hot' })).Body.transformToString()).toBe('the last');
    expect(readdirSync(join(dir, 'objects'))).toHaveLength(1);
    await reopened.close();
  }, 120_000);
});
