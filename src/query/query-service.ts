// QueryService: Athena's query API (StartQueryExecution, GetQueryExecution, GetQueryResults,
// StopQueryExecution; https://docs.aws.amazon.com/athena/latest/APIReference/) over an ObjectStore.
// Every S3 and KMS call a query makes — listing and reading its tables, writing and reading its
// results — is the caller's own, so the caller's permissions decide what it can read and where it
// can write: kms:Decrypt for encrypted data, kms:GenerateDataKey for encrypted results, as the
// Athena documentation says (https://docs.aws.amazon.com/athena/latest/ug/encryption.html). Each
// operation itself needs its athena:* permission on the workgroup (athena-authorizer.ts).

import { systemClock, type Clock } from '../core/clock.js';
import { SerialQueue } from '../core/serial-queue.js';
import type { HostKms } from '../envelope/kms-client.js';
import type { Caller } from '../policy/caller.js';
import type { Iam } from '../policy/iam.js';
import type { ObjectStore } from '../s3/object-store.js';
import { authorizeAthena, PRIMARY_WORKGROUP, type AthenaAction, type AthenaScope } from './athena-authorizer.js';
import { AthenaError, invalidRequest, QueryFailure } from './athena-errors.js';
import { columnInfo, type ColumnInfo } from './athena-types.js';
import { formatCsv, parseCsv } from './csv-text.js';
import type { DuckDbEngine } from './duckdb-engine.js';
import { nodeEngine } from './duckdb-node.js';
import { QueryCatalog } from './query-catalog.js';
import type { QueryStore } from './query-store.js';
import { ExecutionHistory } from './execution-history.js';
import { MemoryQueryStore } from './memory-query-store.js';
import { describeExecution, resultKey, unfinished, type QueryExecutionRecord } from './query-executions.js';
import { getResultObject, putResultObject, type EncryptionConfiguration, type EncryptionOption } from './result-objects.js';
import { parseS3Location } from './s3-location.js';
import { parseDdl, type DdlStatement, type TableDefinition } from './table-ddl.js';
import { loadTable, type LoadProgress } from './table-loader.js';
import type { ObjectAccess } from './table-objects.js';

export interface QueryServiceOptions {
  /** Where the tables' data and the results live; read and written as each query's caller. */
  s3: ObjectStore;
  /** The KMS for CSE-KMS objects and results (S3EncryptionClient); its account and region are the service's. */
  kms: HostKms;
  /** The identity policies that decide the athena:* actions (without it, only the account root may call). */
  iam?: Iam;
  /**
   * A directory for the catalog and the execution history. Node only: the QueryService of
   * kms-wasm/node opens it (in Node, 'kms-wasm' is that build); this one refuses it. Omitted: in memory.
   */
  dir?: string;
  /** With `dir`: milliseconds to wait for another writer to release it (default 0). */
  waitForLock?: number;
  /** Where the catalog and the execution history live, instead of `dir` (kms-wasm/node's PostgresQueryStore: shared by every service on its database). Omitted: in memory, or `dir`. */
  store?: QueryStore;
  /** Where the executions' submission and completion times come from (default the system clock), so tests can fix them. */
  clock?: Clock;
  /**
   * The SQL engine. Omitted, in Node: the process's DuckDB WASM (synchronous bindings), loaded on
   * first use. In browsers: `DuckDbEngine.create(db)` over the page's AsyncDuckDB (README, Queries).
   */
  engine?: DuckDbEngine | Promise<DuckDbEngine>;
  /** The most memory a query's tables and operators may take in the engine (default 1 GiB, at least 64 MiB); a query that needs more fails with Athena's resource error. */
  memoryLimitBytes?: number;
}

/**
 * One query at a time per engine: each fills and drops its own tables. Keyed by where the engine
 * comes from (the engine given, or the process's engine, which may be replaced by a fresh one), and
 * the engine taken only when the query's turn comes: a query queued behind one whose engine stopped
 * runs on the new engine.
 */
const engineQueues = new WeakMap<object, SerialQueue>();

function exclusive<T>(source: object, work: () => Promise<T>): Promise<T> {
  let queue = engineQueues.get(source);
  if (!queue) engineQueues.set(source, (queue = new SerialQueue()));
  return queue.run(work);
}

const DEFAULT_MEMORY_LIMIT = 1 << 30;
/** DuckDB's CSV reader alone takes about 32 MiB: a lower limit would fail every query. */
const MIN_MEMORY_LIMIT = 64 << 20;

export interface StartQueryExecutionRequest {
  QueryString: string;
  QueryExecutionContext?: { Database?: string; Catalog?: string };
  ResultConfiguration?: { OutputLocation?: string; EncryptionConfiguration?: EncryptionConfiguration };
  ClientRequestToken?: string;
  WorkGroup?: string;
}

const ENCRYPTION_OPTIONS: EncryptionOption[] = ['SSE_S3', 'SSE_KMS', 'CSE_KMS'];
const MAX_QUERY_LENGTH = 262_144;
const utf8 = new TextEncoder();
const text = new TextDecoder();

class Cancelled extends Error {}

export class QueryService {
  private readonly s3: ObjectStore;
  private readonly kms: HostKms;
  private readonly scope: AthenaScope;
  private readonly catalog: QueryCatalog;
  private readonly history: ExecutionHistory;
  private readonly store: QueryStore;
  private readonly clock: Clock;
  private readonly engine: () => Promise<DuckDbEngine>;
  /** What the engine's queue is keyed by (see exclusive). */
  private readonly engineSource: object;
  private readonly memoryLimit: number;

  constructor(options: QueryServiceOptions) {
    if (!options?.s3 || !options.kms) throw invalidRequest('options', 'an ObjectStore (s3) and a KMS (kms) are required');
    this.s3 = options.s3;
    this.kms = options.kms;
    this.scope = { account: options.kms.account, region: options.kms.region, iam: options.iam };
    if (options.waitForLock !== undefined && !(Number.isSafeInteger(options.waitForLock) && options.waitForLock >= 0)) {
      throw invalidRequest('waitForLock', 'expected a whole number of milliseconds, 0 or more');
    }
    if (options.store && options.dir !== undefined) throw invalidRequest('store', 'give either a store or a dir, not both');
    // Directory storage is Node's (node-query-service.ts turns `dir` into a `store`), so browser bundles carry none of it.
    if (options.dir !== undefined) {
      throw invalidRequest('dir', "directory storage needs Node: import { QueryService } from 'kms-wasm/node' (in Node, 'kms-wasm' is that build)");
    }
    this.store = options.store ?? new MemoryQueryStore();
    this.catalog = new QueryCatalog(this.store);
    this.clock = options.clock ?? systemClock;
    this.history = new ExecutionHistory(this.store, this.clock);
    const memoryLimit = options.memoryLimitBytes ?? DEFAULT_MEMORY_LIMIT;
    if (!Number.isSafeInteger(memoryLimit) || memoryLimit < MIN_MEMORY_LIMIT) throw invalidRequest('memoryLimitBytes', 'expected a whole number of bytes, at least 64 MiB');
    this.memoryLimit = memoryLimit;
    const engine = options.engine;
    this.engineSource = engine ?? nodeEngine;
    this.engine = engine === undefined ? nodeEngine : () => Promise.resolve(engine);
  }

  /** The catalog, then (under its directory lock) the execution history; in a shared store, caught up with the other services' changes. */
  private async load(): Promise<void> {
    await this.catalog.load();
    await this.history.load();
    await this.store.refresh();
  }

  /** Queues the query and returns its id at once; poll getQueryExecution for its state. */
  async startQueryExecution(request: StartQueryExecutionRequest, caller?: Caller): Promise<{ QueryExecutionId: string }> {
    const who = await this.authorize('StartQueryExecution', caller, request?.WorkGroup);
    const query = request?.QueryString;
    if (typeof query !== 'string' || query.trim().length === 0 || query.length > MAX_QUERY_LENGTH) {
      throw invalidRequest('QueryString', `expected SQL text of 1 to ${MAX_QUERY_LENGTH} characters`);
    }
    const database = request.QueryExecutionContext?.Database ?? 'default';
    if (typeof database !== 'string' || !/^[A-Za-z0-9_]{1,255}$/.test(database)) {
      throw invalidRequest('QueryExecutionContext.Database', 'expected a database name (letters, digits, underscores)');
    }
    const outputLocation = request.ResultConfiguration?.OutputLocation;
    if (outputLocation === undefined) {
      throw new AthenaError('InvalidRequestException', 'No output location provided. An output location is required either through the Workgroup result configuration setting or as an API input.', 'INVALID_INPUT');
    }
    const output = parseS3Location(outputLocation);
    if (!output) throw invalidRequest('ResultConfiguration.OutputLocation', `expected s3://bucket/prefix/, got ${String(outputLocation)}`);
    const encryption = checkEncryption(request.ResultConfiguration?.EncryptionConfiguration);
    await this.load();
    const ddl = parseDdlOrUndefined(query);
    const execution: QueryExecutionRecord = {
      id: crypto.randomUUID(), query, statementType: ddl.statement || ddl.failure ? 'DDL' : 'DML', database: database.toLowerCase(),
      output, encryption, state: 'QUEUED', submitted: this.clock.now(), scanned: 0,
    };
    await this.history.add(execution);
    void exclusive(this.engineSource, async () => this.run(execution, who, await this.engine(), ddl)).catch((error: unknown) => this.finish(execution.id, error))
      .catch(() => undefined); // the history could not be written: the next change writes it
    return { QueryExecutionId: execution.id };
  }

  async getQueryExecution(request: { QueryExecutionId: string }, caller?: Caller) {
    await this.authorize('GetQueryExecution', caller);
    return { QueryExecution: describeExecution(await this.execution(request?.QueryExecutionId)) };
  }

  /** The ids of this service's query executions, newest first, in pages of MaxResults (0 to 50, default 50). */
  async listQueryExecutions(request: { NextToken?: string; MaxResults?: number; WorkGroup?: string } = {}, caller?: Caller) {
    await this.authorize('ListQueryExecutions', caller, request?.WorkGroup);
    const maxResults = request?.MaxResults ?? 50;
    if (!Number.isInteger(maxResults) || maxResults < 0 || maxResults > 50) throw invalidRequest('MaxResults', 'expected a whole number from 0 to 50');
    await this.load();
    const ids = this.history.idsNewestFirst();
    const start = request.NextToken === undefined ? 0 : offsetOfToken(request.NextToken, LIST_TOKEN);
    const next = Math.min(start + maxResults, ids.length);
    return { QueryExecutionIds: ids.slice(start, next), NextToken: next < ids.length ? tokenOfOffset(LIST_TOKEN, next) : undefined };
  }

  /** Up to 50 executions at once; an unknown id is reported in UnprocessedQueryExecutionIds, not thrown. */
  async batchGetQueryExecution(request: { QueryExecutionIds: string[] }, caller?: Caller) {
    await this.authorize('BatchGetQueryExecution', caller);
    const ids = request?.QueryExecutionIds;
    if (!Array.isArray(ids) || ids.length < 1 || ids.length > 50) throw invalidRequest('QueryExecutionIds', 'expected 1 to 50 query execution ids');
    await this.load();
    const executions = await this.history.current(ids);
    return {
      QueryExecutions: executions.flatMap((execution) => (execution ? [describeExecution(execution)] : [])),
      UnprocessedQueryExecutionIds: ids.filter((_, i) => !executions[i])
        .map((id) => ({ QueryExecutionId: id, ErrorCode: 'INVALID_INPUT', ErrorMessage: `QueryExecution ${String(id)} was not found` })),
    };
  }

  /** Cancels a queued or running query (no result is written); a finished one is left as it is. */
  async stopQueryExecution(request: { QueryExecutionId: string }, caller?: Caller): Promise<Record<string, never>> {
    await this.authorize('StopQueryExecution', caller);
    const { id } = await this.execution(request?.QueryExecutionId);
    await this.history.update(id, (now) => (unfinished(now) ? { state: 'CANCELLED', reason: 'Query cancelled by user', completed: this.clock.now() } : undefined));
    return {};
  }

  /**
   * A page of a finished query's results, read back from its OutputLocation as the caller (so the
   * caller needs s3:GetObject there, and kms:Decrypt for encrypted results). For a SELECT the
   * first row is the header, as Athena returns it.
   */
  async getQueryResults(request: { QueryExecutionId: string; NextToken?: string; MaxResults?: number }, caller?: Caller) {
    const who = await this.authorize('GetQueryResults', caller);
    const execution = await this.execution(request?.QueryExecutionId);
    const maxResults = request.MaxResults ?? 1000;
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 1000) throw invalidRequest('MaxResults', 'expected a whole number from 1 to 1000');
    const start = request.NextToken === undefined ? 0 : offsetOfToken(request.NextToken, execution.id);
    if (execution.state === 'QUEUED' || execution.state === 'RUNNING') {
      throw new AthenaError('InvalidRequestException', `Query has not yet finished. Current state: ${execution.state}`, 'INVALID_INPUT');
    }
    if (execution.state !== 'SUCCEEDED') {
      throw new AthenaError('InvalidRequestException', `Query did not finish successfully. Final query state: ${execution.state}`, 'INVALID_INPUT');
    }
    let rows: Array<Array<string | null>> = [];
    let columns: ColumnInfo[] = [];
    if (execution.statementType === 'DML') {
      const access = this.access(who);
      const key = resultKey(execution);
      const metadata = await getResultObject(access, execution.output.bucket, `${key}.metadata`, execution.encryption);
      columns = (JSON.parse(text.decode(metadata)) as { ColumnInfo: ColumnInfo[] }).ColumnInfo;
      rows = parseCsv(text.decode(await getResultObject(access, execution.output.bucket, key, execution.encryption)));
    }
    const page = rows.slice(start, start + maxResults);
    const next = start + page.length;
    return {
      UpdateCount: 0,
      ResultSet: { Rows: page.map((row) => ({ Data: row.map((v) => (v === null ? {} : { VarCharValue: v })) })), ResultSetMetadata: { ColumnInfo: columns } },
      NextToken: next < rows.length ? tokenOfOffset(execution.id, next) : undefined,
    };
  }

  /** Finishes writing the history and releases the store (a directory's lock, a database's connections). */
  async close(): Promise<void> {
    this.history.close();
    await this.catalog.close();
  }

  private async execution(id: unknown): Promise<QueryExecutionRecord> {
    await this.load();
    const [execution] = await this.history.current([id]);
    if (!execution) throw new AthenaError('InvalidRequestException', `QueryExecution ${String(id)} was not found`, 'INVALID_INPUT');
    return execution;
  }

  private access(caller: Caller | undefined): ObjectAccess {
    return { s3: this.s3, kms: this.kms, caller, region: this.scope.region };
  }

  /** The caller, once allowed athena:`action` on the workgroup (only "primary" exists: another is not found). */
  private async authorize(action: AthenaAction, caller: Caller | undefined, workgroup: unknown = PRIMARY_WORKGROUP): Promise<Caller> {
    if (workgroup !== PRIMARY_WORKGROUP) throw new AthenaError('InvalidRequestException', `WorkGroup ${String(workgroup)} is not found.`, 'INVALID_INPUT');
    await this.scope.iam?.refresh(); // identity policies other processes changed (nothing to do for an Iam in memory)
    return authorizeAthena(this.scope, action, caller);
  }

  private async run(execution: QueryExecutionRecord, caller: Caller, engine: DuckDbEngine, ddl: { statement?: DdlStatement; failure?: unknown }): Promise<void> {
    const { id } = execution;
    const begun = await this.history.update(id, (now) => (now.state === 'QUEUED' ? { state: 'RUNNING', started: this.clock.now() } : undefined));
    if (!begun) return; // stopped while queued, or the service closed
    if (ddl.failure) throw ddl.failure;
    if (ddl.statement) {
      await this.catalog.apply(ddl.statement, execution.database);
      return this.finish(id);
    }
    const progress: LoadProgress = {
      scanned: 0,
      checkCancelled: () => {
        if (this.history.cancelled(id)) throw new Cancelled(); // its statistics stay as they were when it was stopped
        this.history.noteScanned(id, progress.scanned);
      },
    };
    const sql = execution.query.trim().replace(/;+\s*$/, '');
    const schemas = new Set<string>([execution.database]);
    // A stop made through another service sharing the store reaches this scan between its reads, not only at this service's next call.
    const unfollow = this.store.followChanges();
    try {
      const access = this.access(caller);
      if (!this.catalog.hasDatabase(execution.database)) throw new QueryFailure(`SCHEMA_NOT_FOUND: Schema ${execution.database} does not exist`);
      if (!/^(select|with|values|\()/i.test(sql)) {
        throw new QueryFailure('Only SELECT queries and the DDL statements CREATE EXTERNAL TABLE, CREATE DATABASE and DROP are supported');
      }
      await engine.limitMemory(this.memoryLimit);
      await engine.createSchema(execution.database);
      for (const { database, table } of await this.tablesRead(engine, sql, execution.database)) {
        schemas.add(database);
        await engine.createSchema(database);
        await loadTable(engine, database, table, access, progress);
      }
      const result = await engine.run(sql, execution.database);
      progress.checkCancelled();
      const columns = result.columns.map((c) => columnInfo(c.name, c.type));
      const key = resultKey(execution);
      await putResultObject(access, execution.output.bucket, key, utf8.encode(formatCsv([result.columns.map((c) => c.name), ...result.rows])), execution.encryption);
      await putResultObject(access, execution.output.bucket, `${key}.metadata`, utf8.encode(JSON.stringify({ ColumnInfo: columns })), execution.encryption)
        .catch(async (error: unknown) => {
          await this.s3.deleteObject({ Bucket: execution.output.bucket, Key: key }, caller).catch(() => undefined);
          throw error;
        });
      await this.finish(id, undefined, columns);
    } finally {
      unfollow();
      for (const schema of schemas) await engine.dropSchema(schema);
      await engine.releaseObjects();
    }
  }

  /**
   * The catalog tables a query reads. DuckDB's parser gives their names without the database, so
   * a name is looked up in the query's database and in any other database the query names; a name
   * found in none fails the query as Athena does (TABLE_NOT_FOUND).
   */
  private async tablesRead(engine: DuckDbEngine, sql: string, defaultDatabase: string): Promise<Array<{ database: string; table: TableDefinition }>> {
    const words = new Set(sql.toLowerCase().match(/[a-z0-9_]+/g) ?? []);
    return [...new Set((await engine.tableNames(sql)).map((name) => name.toLowerCase()))].flatMap((name) => {
      const found = this.catalog.databasesWithTable(name).filter((database) => database === defaultDatabase || words.has(database));
      if (found.length === 0) this.catalog.table(defaultDatabase, name); // throws TABLE_NOT_FOUND
      return found.map((database) => ({ database, table: this.catalog.table(database, name) }));
    });
  }

  /**
   * Records the outcome once: SUCCEEDED (with a SELECT's `columns`) without an error, else FAILED
   * with the reason (a query stopped meanwhile, here or through another service, stays CANCELLED).
   */
  private async finish(id: string, error?: unknown, columns?: ColumnInfo[]): Promise<void> {
    await this.history.update(id, (now) => (unfinished(now)
      ? { completed: this.clock.now(), ...(error === undefined ? { state: 'SUCCEEDED', columns } : failure(error)) } : undefined));
  }
}

function failure(error: unknown): Partial<QueryExecutionRecord> {
  if (error instanceof QueryFailure) return { state: 'FAILED', columns: undefined, reason: error.message, errorCategory: error.errorCategory };
  // The engine's own errors (a syntax error, an unknown column) are the query's fault: a user error.
  return { state: 'FAILED', columns: undefined, reason: engineMessage(error), errorCategory: 2 };
}

/** DuckDB's error, which may come as JSON ({exception_type, exception_message, error_subtype}), as one line of text. */
function engineMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  try {
    const parsed = JSON.parse(message) as { exception_type?: string; exception_message?: string; error_subtype?: string };
    return `${parsed.error_subtype ?? parsed.exception_type?.toUpperCase() ?? 'ERROR'}: ${parsed.exception_message ?? message}`;
  } catch {
    return message;
  }
}

function parseDdlOrUndefined(query: string): { statement?: DdlStatement; failure?: unknown } {
  try {
    return { statement: parseDdl(query) };
  } catch (failure) {
    return { failure };
  }
}

function checkEncryption(config: EncryptionConfiguration | undefined): EncryptionConfiguration | undefined {
  if (config === undefined) return undefined;
  const field = 'ResultConfiguration.EncryptionConfiguration';
  if (!ENCRYPTION_OPTIONS.includes(config.EncryptionOption)) throw invalidRequest(`${field}.EncryptionOption`, `expected ${ENCRYPTION_OPTIONS.join(', ')}, got ${String(config.EncryptionOption)}`);
  const needsKey = config.EncryptionOption !== 'SSE_S3';
  if (needsKey && (typeof config.KmsKey !== 'string' || config.KmsKey.length === 0)) throw invalidRequest(`${field}.KmsKey`, `required for ${config.EncryptionOption}`);
  if (!needsKey && config.KmsKey !== undefined) throw invalidRequest(`${field}.KmsKey`, 'only for SSE_KMS and CSE_KMS');
  return { EncryptionOption: config.EncryptionOption, KmsKey: config.KmsKey };
}

/** ListQueryExecutions' NextToken names this in place of an execution. */
const LIST_TOKEN = 'list';

/** NextToken: the execution (or the list) and the row to continue from, opaque to callers. */
const tokenOfOffset = (id: string, offset: number) => btoa(`${id}:${offset}`);

function offsetOfToken(token: string, id: string): number {
  let decoded = '';
  try {
    decoded = atob(token);
  } catch {
    // refused below
  }
  const match = /^(.+):(\d+)$/.exec(decoded);
  if (!match || match[1] !== id) throw invalidRequest('NextToken', 'not a token GetQueryResults returned for this query');
  return Number(match[2]);
}
