// The `dir` option of kms-wasm/node's ObjectStore, BlockStore and QueryService (platform/
// directory-option.ts): anything but a non-empty string — what JSON from a network or a typo gives —
// is refused at construction with the service's own typed error naming `dir`, and nothing is
// created; a good `dir` opens the directory store.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BlockStore, KeyManagementService, ObjectStore, QueryService } from '../../src/node.js';
import { temporaryDirectories } from '../helpers/temp-dirs.js';

const tempDir = temporaryDirectories('kms-wasm-dir-option-');
const kms = new KeyManagementService({ account: '111122223333', region: 'us-east-1' });

/** Each service: its error for a bad option, how to open it on `dir`, and a call that loads its store. */
type Service = [string, string, (dir: unknown) => { close(): Promise<void> }, (service: never) => Promise<unknown>];
const services: Service[] = [
  ['ObjectStore', 'InvalidArgument', (dir) => new ObjectStore({ kms, dir: dir as string }), (s3: ObjectStore) => s3.createBucket({ Bucket: 'bucket' })],
  ['BlockStore', 'InvalidParameterValue', (dir) => new BlockStore({ kms, dir: dir as string }),
    (ec2: BlockStore) => ec2.createVolume({ AvailabilityZone: 'us-east-1a', Size: 1 })],
  ['QueryService', 'InvalidRequestException', (dir) => new QueryService({ s3: new ObjectStore({ kms }), kms, dir: dir as string }),
    (queries: QueryService) => queries.listQueryExecutions()],
];

const NOT_A_PATH: Array<[unknown, string]> = [
  [42, 'number'], [null, 'null'], ['', 'an empty string'], [true, 'boolean'], [{ path: 'store' }, 'object'], [['store'], 'object'], [Symbol('dir'), 'symbol'],
];

describe.each(services)('the %s of kms-wasm/node', (_name, errorName, open, use) => {
  it('refuses a dir that is not a non-empty string, naming the field and what it got', () => {
    const cwd = readdirSync('.');
    for (const [dir, got] of NOT_A_PATH) {
      expect(() => open(dir), String(got)).toThrow(expect.objectContaining({
        name: errorName, message: `dir: expected a directory path (a non-empty string), got ${got}`,
      }));
    }
    expect(readdirSync('.')).toEqual(cwd);
  });

  it('opens a directory store on a good dir, at first use', async () => {
    const dir = join(tempDir(), 'store');
    const service = open(dir);
    expect(existsSync(dir)).toBe(false);
    await use(service as never);
    expect(readdirSync(dir)).toContain('locks');
    await service.close();
  });
});
