// The catalog: databases and the external tables declared in them (columns, format, LOCATION), a
// record per database in the QueryStore's athena-catalog collection (query-store.ts: in memory, a
// directory, or PostgreSQL shared with other services). Only the table definitions live here; the
// data stays in the ObjectStore.

import { loadOnce } from '../core/load-once.js';
import { StoreClosedError } from '../platform/store-errors.js';
import { QueryFailure } from './athena-errors.js';
import type { QueryCollection, QueryRecords, QueryStore, RecordChanges } from './query-store.js';
import type { DdlStatement, TableDefinition } from './table-ddl.js';

/** A database and its tables: one record of the catalog. */
interface SavedDatabase {
  name: string;
  tables: TableDefinition[];
}

const CATALOG: QueryCollection<SavedDatabase> = { name: 'athena-catalog', list: 'databases', id: (database) => database.name };
/** Athena's "default" database always exists, with no record until a table is created in it. */
const DEFAULT: SavedDatabase = { name: 'default', tables: [] };

export class QueryCatalog {
  private saved: QueryRecords<SavedDatabase> | undefined;
  private closed = false;

  constructor(private readonly store: QueryStore) {}

  /** Opens the catalog on first call (the store's refresh() catches it up with the DDL other services ran). */
  async load(): Promise<void> {
    if (this.closed) throw new StoreClosedError(this.store.location);
    await this.opened();
  }

  private readonly opened = loadOnce(async () => {
    this.saved = await this.store.open(CATALOG);
  });

  async close(): Promise<void> {
    this.closed = true;
    await this.store.close();
  }

  private database(name: string): SavedDatabase | undefined {
    return this.saved?.records.get(name) ?? (name === DEFAULT.name ? DEFAULT : undefined);
  }

  /** The table, or a TABLE_NOT_FOUND failure as Athena words it. */
  table(database: string, name: string): TableDefinition {
    const table = this.database(database)?.tables.find((t) => t.name === name);
    if (!table) throw new QueryFailure(`TABLE_NOT_FOUND: Table 'awsdatacatalog.${database}.${name}' does not exist`);
    return table;
  }

  /** The databases that have a table of this name. */
  databasesWithTable(name: string): string[] {
    const databases = new Map([[DEFAULT.name, DEFAULT], ...this.saved?.records ?? []]);
    return [...databases.values()].filter((database) => database.tables.some((t) => t.name === name)).map((database) => database.name);
  }

  hasDatabase(name: string): boolean {
    return this.database(name) !== undefined;
  }

  /** Applies a DDL statement (unqualified tables in `defaultDatabase`) and saves it; a refused one changes nothing. */
  async apply(statement: DdlStatement, defaultDatabase: string): Promise<void> {
    await this.load();
    await this.saved!.change(() => this.change(statement, defaultDatabase));
  }

  /** What the statement changes, decided on the catalog as it is: undefined if nothing; a failure as Athena words it. */
  private change(statement: DdlStatement, defaultDatabase: string): RecordChanges<SavedDatabase> | undefined {
    if (statement.kind === 'createDatabase' || statement.kind === 'dropDatabase') {
      const existing = this.database(statement.name);
      if (statement.kind === 'createDatabase') {
        if (existing) {
          if (statement.ifNotExists) return undefined;
          throw new QueryFailure(`FAILED: Execution Error, return code 1 from org.apache.hadoop.hive.ql.exec.DDLTask. Database ${statement.name} already exists`);
        }
        return { put: [{ name: statement.name, tables: [] }], deleted: [] };
      }
      if (!existing) {
        if (statement.ifExists) return undefined;
        throw new QueryFailure(`FAILED: SemanticException [Error 10072]: Database does not exist: ${statement.name}`);
      }
      if (statement.name === DEFAULT.name) throw new QueryFailure('FAILED: Can not drop default database');
      if (existing.tables.length > 0) throw new QueryFailure(`FAILED: Database ${statement.name} is not empty. One or more tables exist.`);
      return { put: [], deleted: [statement.name] };
    }
    const databaseName = statement.database ?? defaultDatabase;
    const database = this.database(databaseName);
    if (!database) throw new QueryFailure(`SCHEMA_NOT_FOUND: Schema ${databaseName} does not exist`);
    const name = statement.kind === 'createTable' ? statement.table.name : statement.name;
    const exists = database.tables.some((t) => t.name === name);
    if (statement.kind === 'createTable') {
      if (exists) {
        if (statement.ifNotExists) return undefined;
        throw new QueryFailure(`AlreadyExistsException: Table ${databaseName}.${name} already exists`);
      }
      return { put: [{ name: databaseName, tables: [...database.tables, statement.table] }], deleted: [] };
    }
    if (!exists) {
      if (statement.ifExists) return undefined;
      throw new QueryFailure(`FAILED: SemanticException [Error 10001]: Table not found ${databaseName}.${name}`);
    }
    return { put: [{ name: databaseName, tables: database.tables.filter((t) => t.name !== name) }], deleted: [] };
  }
}
