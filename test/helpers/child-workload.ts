// What the several-process suites (test/kms/postgres-processes, test/s3/postgres-object-processes)
// share: a database of their own, and in each child a `call` that counts acknowledged calls.
import { afterAll, beforeAll } from 'vitest';
import { freshDatabase } from './postgres.js';

/**
 * A child's `random(n)` and `call(name, run)`: `call` counts each call in `report.calls` by "Name ok"
 * or "Name ErrorName" (an error of `errorClass` whose name is in `expected`), and records any other
 * error in `report.unexpected`. The child's code defines `report` ({ calls: {}, unexpected: [] }, at least).
 */
export const countedCalls = (errorClass: string, expected: string[]) => `
const random = (n) => crypto.getRandomValues(new Uint32Array(1))[0] % n;
const EXPECTED = new Set(${JSON.stringify(expected)});
async function call(name, run) {
  try {
    const result = await run();
    report.calls[name + ' ok'] = (report.calls[name + ' ok'] ?? 0) + 1;
    return result;
  } catch (error) {
    if (error instanceof ${errorClass} && EXPECTED.has(error.name)) {
      report.calls[name + ' ' + error.name] = (report.calls[name + ' ' + error.name] ?? 0) + 1;
      return undefined;
    }
    report.unexpected.push(name + ': ' + (error && error.stack || String(error)));
    return undefined;
  }
}
`;

/** A database for the file's tests, created before them and dropped after: its connection string, once created. */
export function databaseForFile(): () => string {
  let database: Awaited<ReturnType<typeof freshDatabase>> | undefined;
  beforeAll(async () => {
    database = await freshDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });
  return () => database!.url;
}

/** The report a child printed last. */
export const lastLine = <T>(output: string): T => JSON.parse(output.trim().split('\n').at(-1)!) as T;
