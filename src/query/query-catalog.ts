// The catalog: databases and the external tables declared in them (columns, format, LOCATION). In
// memory, or durable in a directory like the other stores: under the directory's "athena" write
// lock, in athena-catalog.json authenticated by its own MAC key (authenticated-metadata.ts), written
// atomically. Only the table definitions live here; the data stays in the ObjectStore.

import { loadOnce } from '../core/load-once.js';
import { AuthenticatedMetadata } from '../kms/authenticated-metadata.js';
import { DirectoryLock } from '../platform/directory-lock.js';
import { StoreClosedError } from '../platform/store-errors.js';
import { QueryFailure } from './athena-errors.js';
import type { DdlStatement, TableDefinition } from './table-ddl.js';

interface SavedCatalog {
  databases: Array<{ name: string; tables: TableDefinition[] }>;
}

export class QueryCatalog {
  /** Database name → table name → definition. Athena's "default" database always exists. */
  private readonly databases = new Map<string, Map<string, TableDefinition>>([['default', new Map()]]);
  private metadata: AuthenticatedMetadata<SavedCatalog> | undefined;
  private lock: DirectoryLock | undefined;
  private closed = false;

  constructor(private readonly dir?: string, private readonly waitForLock = 0) {}

  load(): Promise<void> {
    if (this.closed) return Promise.reject(new StoreClosedError(this.dir ?? 'in memory'));
    return this.loadState();
  }

  private readonly loadState = loadOnce(async () => {
    if (!this.dir) return;
    this.lock ??= await DirectoryLock.acquire(this.dir, 'athena', { waitMs: this.waitForLock });
    const { metadata, saved } = await AuthenticatedMetadata.open<SavedCatalog>(this.dir, 'athena-catalog');
    this.metadata = metadata;
    for (const database of saved?.databases ?? []) this.databases.set(database.name, new Map(database.tables.map((t) => [t.name, t])));
  });

  async close(): Promise<void> {
    this.closed = true;
    const lock = this.lock;
    this.lock = undefined;
    await lock?.release();
  }

  /** The table, or a TABLE_NOT_FOUND failure as Athena words it. */
  table(database: string, name: string): TableDefinition {
    const table = this.databases.get(database)?.get(name);
    if (!table) throw new QueryFailure(`TABLE_NOT_FOUND: Table 'awsdatacatalog.${database}.${name}' does not exist`);
    return table;
  }

  /** The databases that have a table of this name. */
  databasesWithTable(name: string): string[] {
    return [...this.databases].filter(([, tables]) => tables.has(name)).map(([database]) => database);
  }

  hasDatabase(name: string): boolean {
    return this.databases.has(name);
  }

  /** Applies a DDL statement (unqualified tables in `defaultDatabase`) and saves; a refused one changes nothing. */
  async apply(statement: DdlStatement, defaultDatabase: string): Promise<void> {
    await this.load();
    const undo = this.change(statement, defaultDatabase);
    if (!undo || !this.metadata) return;
    try {
      await this.metadata.write({ databases: [...this.databases].map(([name, tables]) => ({ name, tables: [...tables.values()] })) });
    } catch (error) {
      undo();
      throw error;
    }
  }

  /** Changes the catalog in memory; returns how to undo it, or undefined if nothing changed. */
  private change(statement: DdlStatement, defaultDatabase: string): (() => void) | undefined {
    if (statement.kind === 'createDatabase' || statement.kind === 'dropDatabase') {
      const existing = this.databases.get(statement.name);
      if (statement.kind === 'createDatabase') {
        if (existing) {
          if (statement.ifNotExists) return undefined;
          throw new QueryFailure(`FAILED: Execution Error, return code 1 from org.apache.hadoop.hive.ql.exec.DDLTask. Database ${statement.name} already exists`);
        }
        this.databases.set(statement.name, new Map());
        return () => this.databases.delete(statement.name);
      }
      if (!existing) {
        if (statement.ifExists) return undefined;
        throw new QueryFailure(`FAILED: SemanticException [Error 10072]: Database does not exist: ${statement.name}`);
      }
      if (statement.name === 'default') throw new QueryFailure('FAILED: Can not drop default database');
      if (existing.size > 0) throw new QueryFailure(`FAILED: Database ${statement.name} is not empty. One or more tables exist.`);
      this.databases.delete(statement.name);
      return () => this.databases.set(statement.name, existing);
    }
    const databaseName = statement.database ?? defaultDatabase;
    const database = this.databases.get(databaseName);
    if (!database) throw new QueryFailure(`SCHEMA_NOT_FOUND: Schema ${databaseName} does not exist`);
    const name = statement.kind === 'createTable' ? statement.table.name : statement.name;
    const existing = database.get(name);
    if (statement.kind === 'createTable') {
      if (existing) {
        if (statement.ifNotExists) return undefined;
        throw new QueryFailure(`AlreadyExistsException: Table ${databaseName}.${name} already exists`);
      }
      database.set(name, statement.table);
      return () => database.delete(name);
    }
    if (!existing) {
      if (statement.ifExists) return undefined;
      throw new QueryFailure(`FAILED: SemanticException [Error 10001]: Table not found ${databaseName}.${name}`);
    }
    database.delete(name);
    return () => database.set(name, existing);
  }
}
