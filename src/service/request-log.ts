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

/** The operation comes from the request before it is authenticated: one printable token, so no client can forge log lines. */
const token = (text: string) => text.replace(/[^\x21-\x7e]/g, '?').slice(0, 200);

export function formatLogLine(entry: RequestLogEntry, at: Date): string {
  const fault = entry.fault === undefined ? '' : ` fault=${JSON.stringify(entry.fault)}`;
  return `${at.toISOString()} ${token(entry.method)} ${token(entry.operation)} ${entry.principal ?? '-'} ${entry.status} `
    + `in=${entry.bytesIn} out=${entry.bytesOut} ${entry.milliseconds.toFixed(1)}ms${fault}`;
}
