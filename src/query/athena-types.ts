// Column types between Athena and the engine: a table's Hive types to DuckDB's for loading, and a
// result's DuckDB types to the names Athena reports in ResultSetMetadata.ColumnInfo
// (https://docs.aws.amazon.com/athena/latest/APIReference/API_ColumnInfo.html).

const TO_ENGINE: Record<string, string> = {
  string: 'VARCHAR', int: 'INTEGER', integer: 'INTEGER', bigint: 'BIGINT', smallint: 'SMALLINT', tinyint: 'TINYINT',
  double: 'DOUBLE', float: 'FLOAT', real: 'FLOAT', boolean: 'BOOLEAN', date: 'DATE', timestamp: 'TIMESTAMP',
};

/** The DuckDB type of a column declared with Athena type `type` (as table-ddl.ts normalised it). */
export function engineType(type: string): string {
  if (/^(var)?char\(/.test(type)) return 'VARCHAR';
  const decimal = /^decimal\((\d+),(\d+)\)$/.exec(type);
  if (decimal) return `DECIMAL(${decimal[1]},${decimal[2]})`;
  return TO_ENGINE[type]!;
}

const FROM_ENGINE: Record<string, string> = {
  VARCHAR: 'varchar', INTEGER: 'integer', BIGINT: 'bigint', HUGEINT: 'bigint', SMALLINT: 'smallint', TINYINT: 'tinyint', DOUBLE: 'double',
  FLOAT: 'float', BOOLEAN: 'boolean', DATE: 'date', TIMESTAMP: 'timestamp', 'TIMESTAMP WITH TIME ZONE': 'timestamp with time zone',
};

/** Athena's ColumnInfo for a result column of DuckDB type `type`. */
export function columnInfo(name: string, type: string) {
  const decimal = /^DECIMAL\((\d+),(\d+)\)$/.exec(type);
  return {
    CatalogName: 'hive', SchemaName: '', TableName: '', Name: name, Label: name,
    Type: decimal ? 'decimal' : FROM_ENGINE[type] ?? type.toLowerCase(),
    Precision: decimal ? Number(decimal[1]) : type === 'VARCHAR' ? 2147483647 : 0,
    Scale: decimal ? Number(decimal[2]) : 0,
    Nullable: 'UNKNOWN' as const, CaseSensitive: type === 'VARCHAR',
  };
}

export type ColumnInfo = ReturnType<typeof columnInfo>;
