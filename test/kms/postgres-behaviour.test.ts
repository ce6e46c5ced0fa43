// The KMS behaviour suites (keys, grants, rotation, import, authorization, crypto, console policy)
// run again with every KMS on a PostgresKeyStore: each KMS a schema of its own in one database
// created for this file. The suites are imported here, so their tests register in this file.
import { afterAll, afterEach, beforeAll, describe } from 'vitest';
import { PostgresKeyStore } from '../../src/node.js';
import { freshDatabase, POSTGRES_URL } from '../helpers/postgres.js';
import { useStores } from './fixtures.js';

describe.skipIf(!POSTGRES_URL)('the KMS behaviour suites on PostgreSQL', async () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  const opened: PostgresKeyStore[] = [];
  beforeAll(async () => {
    database = await freshDatabase({ flushCommits: false });
  });
  useStores(() => {
    const store = new PostgresKeyStore({ connectionString: database.url, rootKey: crypto.getRandomValues(new Uint8Array(32)),
      schema: `kms_${opened.length}`, poolSize: 2 });
    opened.push(store);
    return store;
  });
  afterEach(async () => {
    await Promise.all(opened.map((store) => store.close()));
  });
  afterAll(async () => {
    await database.drop();
  });
  await import('./keys.test.js');
  await import('./grants.test.js');
  await import('./rotation.test.js');
  await import('./import.test.js');
  await import('./authorization.test.js');
  await import('./crypto.test.js');
  await import('./seed-console-policy.test.js');
});
