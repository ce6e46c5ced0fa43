// One line per request (method, operation, principal, status, bytes in and out, milliseconds),
// never a header, body or secret.

export interface RequestLogEntry {
  method: string;
  operation: string;
  principal: string | undefined;
  status: number;
  bytesIn: number;
  bytesOut: number;
  milliseconds: number;
  fault?: string;
}

export function formatLogLine(entry: RequestLogEntry, at: Date): string {
  const fault = entry.fault === undefined ? '' : ` fault=${JSON.stringify(entry.fault)}`;
  return `${at.toISOString()} ${entry.method} ${entry.operation} ${entry.principal ?? '-'} ${entry.status} `
    + `in=${entry.bytesIn} out=${entry.bytesOut} ${entry.milliseconds.toFixed(1)}ms${fault}`;
}
