// The catalog in a directory: tables survive a new QueryService, the directory is locked to one
// writer, and an edited catalog file is refused rather than believed.

import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { StoreIntegrityError, StoreLockedError } from '../../src/index.js';
import { QueryService } from '../../src/query/node-query-service.js';
import { temporaryDirectories } from '../helpers/temp-dirs.js';
import { PEOPLE_CSV, PEOPLE_ROWS, PEOPLE_TABLE, queryRows, runQuery, setup } from './query-fixture.js';

const newDir = temporaryDirectories('kms-wasm-athena-');

describe('a directory catalog', () => {
  it('keeps databases and tables across services, one writer at a time, and refuses an edited file', async () => {
    const dir = newDir();
    const { s3, kms, queries } = setup({ dir });
    await s3.createBucket({ Bucket: 'data' });
    await s3.createBucket({ Bucket: 'results' });
    await s3.putObject({ Bucket: 'data', Key: 'people/p.csv', Body: PEOPLE_CSV });
    expect((await runQuery(queries, 'CREATE DATABASE hr')).Status.State).toBe('SUCCEEDED');
    expect((await runQuery(queries, PEOPLE_TABLE, { Database: 'hr' })).Status.State).toBe('SUCCEEDED');
    const second = new QueryService({ s3, kms, dir });
    await expect(second.startQueryExecution({ QueryString: 'SELECT 1', ResultConfiguration: { OutputLocation: 's3://results/' } }))
      .rejects.toBeInstanceOf(StoreLockedError);
    await queries.close();

    const reopened = new QueryService({ s3, kms, dir });
    expect(await queryRows(reopened, 'SELECT * FROM hr.people ORDER BY id')).toEqual(PEOPLE_ROWS);
    expect((await runQuery(reopened, 'DROP DATABASE hr')).Status.StateChangeReason).toMatch(/not empty/);
    expect((await runQuery(reopened, 'DROP TABLE hr.people')).Status.State).toBe('SUCCEEDED');
    await reopened.close();

    const file = `${dir}/athena-catalog.json`;
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('"people"');
    writeFileSync(file, text.replace('"hr"', '"hx"'));
    const tampered = new QueryService({ s3, kms, dir });
    await expect(tampered.startQueryExecution({ QueryString: 'SELECT 1', ResultConfiguration: { OutputLocation: 's3://results/' } }))
      .rejects.toBeInstanceOf(StoreIntegrityError);
    await tampered.close();
  });
});
