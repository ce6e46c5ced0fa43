// PostgresObjectMetadata removes on open the bodies no version names that are older than its grace
// period (orphanedBodyGraceMs): in a bodies directory (files, temporary files included) or in the
// database (s3_bodies rows). Younger ones — another process's PUT in flight — and every named body
// stay. A child process SIGKILLed halfway through a PUT leaves a partial body that the next opener
// (grace 0) removes. Children run the built package (dist/): `npm run build` first.
import { readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PostgresObjectMetadata } from '../../src/node.js';
import { startChild } from '../helpers/child-processes.js';
import { POSTGRES_URL } from '../helpers/postgres.js';
import { postgresObjectStores } from '../helpers/postgres-object-stores.js';
import { temporaryDirectories } from '../helpers/temp-dirs.js';

const tempDir = temporaryDirectories('kms-wasm-pg-orphans-');
const DAY_MS = 24 * 60 * 60 * 1000;

describe.skipIf(!POSTGRES_URL)('PostgresObjectMetadata: orphaned bodies', () => {
  const db = postgresObjectStores();
  const { rootKey, open } = db;
  let schemas = 0;
  /** The body ids the store holds: files (by name, temporary files as themselves) or s3_bodies' ids. */
  const stored = async (schema: string, bodies: string | undefined) => (bodies ? readdirSync(bodies).sort()
    : (await db.sql.query(`SELECT DISTINCT body_id FROM ${schema}.s3_bodies ORDER BY body_id`)).rows.map((r) => r.body_id as string));

  it('checks orphanedBodyGraceMs, naming it', () => {
    for (const orphanedBodyGraceMs of [-1, 1.5, '1']) {
      expect(() => new PostgresObjectMetadata({ connectionString: 'postgres://x/y', rootKey, orphanedBodyGraceMs } as never))
        .toThrow(expect.objectContaining({ name: 'InvalidArgument', message: expect.stringContaining('orphanedBodyGraceMs') }));
    }
  });

  for (const where of ['directory', 'database'] as const) {
    it(`bodies in a ${where}: an opener removes unnamed ones older than the grace period, and only those`, async () => {
      const schema = `orphans_${schemas++}`;
      const bodies = where === 'directory' ? tempDir() : undefined;
      const first = open(schema, bodies);
      await first.createBucket({ Bucket: 'orphans' });
      await first.putObject({ Bucket: 'orphans', Key: 'named', Body: 'a named body, old', ServerSideEncryption: 'AES256' });
      const [named] = await stored(schema, bodies);
      const [oldOrphan, youngOrphan] = [crypto.randomUUID(), crypto.randomUUID()];
      const oldTemporary = `${crypto.randomUUID()}.bin.${crypto.randomUUID()}.tmp`;
      const twoDaysAgo = new Date(Date.now() - 2 * DAY_MS);
      if (bodies) {
        for (const name of [`${oldOrphan}.bin`, oldTemporary, `${youngOrphan}.bin`]) writeFileSync(`${bodies}/${name}`, 'left behind');
        for (const name of [named!, `${oldOrphan}.bin`, oldTemporary]) utimesSync(`${bodies}/${name}`, twoDaysAgo, twoDaysAgo);
      } else {
        await db.sql.query(`INSERT INTO ${schema}.s3_bodies (body_id, chunk, data, written_at) VALUES ($1, 0, 'x', now() - interval '2 days'),
          ($1, 1, 'x', now() - interval '2 days'), ($2, 0, 'x', now())`, [oldOrphan, youngOrphan]);
        // A body whose last chunk is young is young, however old its first chunk.
        await db.sql.query(`INSERT INTO ${schema}.s3_bodies (body_id, chunk, data, written_at) VALUES ($1, 0, 'x', now() - interval '2 days'), ($1, 1, 'x', now())`, [oldTemporary]);
        await db.sql.query(`UPDATE ${schema}.s3_bodies SET written_at = now() - interval '2 days' WHERE body_id = $1`, [named]);
      }
      expect(await stored(schema, bodies)).toHaveLength(4);
      const second = open(schema, bodies);
      await second.listBuckets();
      const left = await stored(schema, bodies);
      expect(left.sort()).toEqual((bodies ? [named!, `${youngOrphan}.bin`] : [named!, youngOrphan, oldTemporary]).sort());
      expect(await (await second.getObject({ Bucket: 'orphans', Key: 'named' })).Body.transformToString()).toBe('a named body, old');
    });

    it(`bodies in a ${where}: a PUT whose process was SIGKILLed halfway leaves a partial body, removed by the next opener`, async () => {
      const schema = `orphans_${schemas++}`;
      const bodies = where === 'directory' ? tempDir() : undefined;
      const s3 = open(schema, bodies);
      await s3.createBucket({ Bucket: 'orphans' });
      await s3.putObject({ Bucket: 'orphans', Key: 'kept', Body: 'acknowledged before the kill' });
      const before = await stored(schema, bodies);
      const child = startChild(`
const rootKey = Uint8Array.from(Buffer.from(${JSON.stringify(Buffer.from(rootKey).toString('hex'))}, 'hex'));
const kms = new k.KeyManagementService({ account: '111122223333', region: 'us-east-1' });
const s3 = new k.ObjectStore({ kms, store: new k.PostgresObjectMetadata({ connectionString: ${JSON.stringify(db.url)}, rootKey,
  schema: ${JSON.stringify(schema)}, bodies: ${JSON.stringify(bodies)}, poolSize: 2 }) });
await s3.listBuckets();
const Body = (async function* () {
  for (let i = 0; i < 4; i++) yield new Uint8Array(1024 * 1024).fill(i + 1);
  console.log('streaming');
  await new Promise(() => {}); // the rest never comes
})();
await s3.putObject({ Bucket: 'orphans', Key: 'cut short', Body, ServerSideEncryption: 'AES256' });
`);
      expect(await child.nextLine()).toBe('streaming');
      // Until the written bytes reach the store (the PUT writes as it reads), wait: not a timing assertion.
      for (let i = 0; i < 100 && (await stored(schema, bodies)).length === before.length; i++) await new Promise((r) => setTimeout(r, 50));
      child.process.kill('SIGKILL');
      await child.exit;
      expect((await stored(schema, bodies)).length).toBeGreaterThan(before.length);
      const next = open(schema, bodies, 0);
      expect((await next.listObjectsV2({ Bucket: 'orphans' })).Contents!.map((o) => o.Key)).toEqual(['kept']);
      expect(await stored(schema, bodies)).toEqual(before);
      expect(await (await next.getObject({ Bucket: 'orphans', Key: 'kept' })).Body.transformToString()).toBe('acknowledged before the kill');
    });
  }
});
