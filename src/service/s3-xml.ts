// S3's XML: response documents in the namespace http://s3.amazonaws.com/doc/2006-03-01/, the
// `<Error><Code/><Message/><RequestId/></Error>` error document (Amazon S3 API Reference,
// "Error responses": no namespace), and request documents read into plain objects. fast-xml-parser
// escapes what it writes; it reads no DTD or entity declarations, so no external entity reaches us.

import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { ServiceError } from './service-error.js';

export const S3_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';
const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_' });

/** Elements that may repeat in the request documents we read: always arrays. */
const REPEATED = new Set(['Part', 'Object', 'Rule']);
const parser = new XMLParser({ ignoreAttributes: true, removeNSPrefix: true, parseTagValue: false, trimValues: true,
  isArray: (name) => REPEATED.has(name), processEntities: true });

/** An XML document whose root element is `root`, in S3's namespace. Undefined members are left out. */
export function s3Document(root: string, content: object): string {
  return DECLARATION + builder.build({ [root]: { '@_xmlns': S3_NAMESPACE, ...content } });
}

export function s3ErrorDocument(error: ServiceError, requestId: string): string {
  return DECLARATION + builder.build({ Error: { Code: error.code, Message: error.message, RequestId: requestId } });
}

/** The body as the document `root` (MalformedXML when it is not one). */
export function parseS3Document(body: Uint8Array, root: string): Record<string, unknown> {
  let parsed: Record<string, unknown>;
  try {
    parsed = parser.parse(Buffer.from(body).toString('utf8'), true) as Record<string, unknown>;
  } catch (error) {
    throw new ServiceError('MalformedXML', 400, `The XML you provided was not well-formed or did not validate against our published schema: ${(error as Error).message}`);
  }
  const document = parsed[root] === '' ? {} : parsed[root]; // an empty element: <VersioningConfiguration/>
  if (document === undefined || typeof document !== 'object' || document === null) {
    throw new ServiceError('MalformedXML', 400, `The XML you provided was not well-formed or did not validate against our published schema: expected a ${root} document`);
  }
  return document as Record<string, unknown>;
}

/** A timestamp as S3's XML writes it (ISO 8601 with milliseconds). */
export const xmlTime = (date: Date) => date.toISOString();
