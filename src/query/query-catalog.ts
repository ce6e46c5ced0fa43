// The catalog: databases and the external tables declared in them (columns, format, LOCATION). In
// memory, or durable in a QueryStore (query-store.ts; in a directory: directory-query-store.ts,
// kms-wasm/node) as its athena-catalog document. Only the table definitions live here; the data
// stays in the ObjectStore.

import { loadOnce } from '../core/load-once.js';
import { StoreClosedError } from '../platform/store-errors.js';
import { QueryFailure } from './athena-errors.js';
import type { QueryDocument, QueryStore } from './query-store.js';
import type { DdlStatement, TableDefinition } from './table-ddl.js';

interface SavedCatalog {
  databases: Array<{ name: string; tables: TableDefinition[] }>;
}

export class QueryCatalog {
  /** Database name → table name → definition. Athena's "default" database always exists. */
  private readonly databases = new Map<string, Map<string, TableDefinition>>([['default', new Map()]]);
  private document: QueryDocument<SavedCatalog> | undefined;
  private closed = false;

  constructor(private readonly store?: QueryStore) {}

  load(): Promise<void> {
    if (this.closed) return Promise.reject(new StoreClosedError(this.store?.location ?? 'in memory'));
    return this.loadState();
  }

  private readonly loadState = loadOnce(async () => {
    if (!this.store) return;
    const document = await this.store.open<SavedCatalog>('athena-catalog');
    this.document = document;
    for (const database of document.saved?.databases ?? []) this.databases.set(database.name, new Map(database.tables.map((t) => [t.name, t])));
  });

  async close(): Promise<void> {
    this.closed = true;
    await this.store?.close();
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
    if (!undo || !this.document) return;
    try {
      await this.document.write({ databases: [...this.databases].map(([name, tables]) => ({ name, tables: [...tables.values()] })) });
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
