// One query execution's record and how Athena reports it (GetQueryExecution's QueryExecution,
// https://docs.aws.amazon.com/athena/latest/APIReference/API_QueryExecution.html).

import type { ColumnInfo } from './athena-types.js';
import type { EncryptionConfiguration } from './result-objects.js';
import type { S3Location } from './s3-location.js';

export type QueryExecutionState = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

export interface QueryExecutionRecord {
  id: string;
  query: string;
  statementType: 'DDL' | 'DML';
  database: string;
  output: S3Location;
  encryption: EncryptionConfiguration | undefined;
  state: QueryExecutionState;
  reason?: string;
  errorCategory?: 1 | 2 | 3;
  submitted: Date;
  started?: Date;
  completed?: Date;
  scanned: number;
  /** After success: the result's columns (DML), read back with the rows. */
  columns?: ColumnInfo[];
}

/** Still to end: queued or running. */
export const unfinished = (execution: { state: QueryExecutionState }) => execution.state === 'QUEUED' || execution.state === 'RUNNING';

/** The result object's key: <prefix><id>.csv, as Athena names it. */
export const resultKey = (execution: QueryExecutionRecord) => `${execution.output.prefix}${execution.id}.csv`;

export function describeExecution(execution: QueryExecutionRecord) {
  const ms = (from: Date | undefined, to: Date | undefined) => (from && to ? to.getTime() - from.getTime() : undefined);
  return {
    QueryExecutionId: execution.id,
    Query: execution.query,
    StatementType: execution.statementType,
    ResultConfiguration: {
      OutputLocation: `s3://${execution.output.bucket}/${resultKey(execution)}`,
      EncryptionConfiguration: execution.encryption ? { ...execution.encryption } : undefined,
    },
    QueryExecutionContext: { Database: execution.database, Catalog: 'AwsDataCatalog' },
    Status: {
      State: execution.state,
      StateChangeReason: execution.reason,
      SubmissionDateTime: execution.submitted,
      CompletionDateTime: execution.completed,
      AthenaError: execution.state === 'FAILED'
        ? { ErrorCategory: execution.errorCategory ?? 1, Retryable: false, ErrorMessage: execution.reason } : undefined,
    },
    Statistics: {
      EngineExecutionTimeInMillis: ms(execution.started, execution.completed) ?? 0,
      DataScannedInBytes: execution.scanned,
      TotalExecutionTimeInMillis: ms(execution.submitted, execution.completed) ?? 0,
      QueryQueueTimeInMillis: ms(execution.submitted, execution.started ?? execution.completed) ?? 0,
    },
    WorkGroup: 'primary',
    EngineVersion: { SelectedEngineVersion: 'AUTO', EffectiveEngineVersion: 'kms-wasm (DuckDB WebAssembly)' },
  };
}
