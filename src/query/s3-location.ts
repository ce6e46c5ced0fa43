// s3://bucket/prefix/ locations, as Athena takes them for a table's LOCATION and a query's
// ResultConfiguration.OutputLocation.

export interface S3Location {
  bucket: string;
  /** The key prefix, '' or ending in '/'. */
  prefix: string;
}

const LOCATION = /^s3:\/\/([^/]+)\/?(.*)$/;

/** Parses `s3://bucket/prefix`; the prefix gets a trailing '/' (a location names a folder). */
export function parseS3Location(text: unknown): S3Location | undefined {
  const match = typeof text === 'string' ? LOCATION.exec(text) : null;
  if (!match) return undefined;
  const prefix = match[2]!;
  return { bucket: match[1]!, prefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/` };
}

export const s3Uri = (bucket: string, key: string) => `s3://${bucket}/${key}`;
