// The calls the console makes, in the services' wire protocols: KMS's JSON 1.1, STS's Query, S3's REST.
// A failure becomes an AwsError carrying AWS's own code and message, which the page shows as they are.

import type { Session } from './session.js';
import { signedFetch } from './signed-fetch.js';

export class AwsError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = code;
  }
}

/** One KMS operation (TrentService.<operation>) with its JSON request; resolves to its JSON answer. */
export async function kms<T>(session: Session, operation: string, input: object = {}): Promise<T> {
  const response = await signedFetch(session, {
    service: 'kms', method: 'POST', path: '/', body: JSON.stringify(input),
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `TrentService.${operation}` },
  });
  const text = await response.text();
  const body = text === '' ? {} : JSON.parse(text) as Record<string, unknown>;
  if (!response.ok) {
    // AWS JSON errors: {"__type": "NotFoundException", "message": "…"} (some services say "Message").
    const code = String(body.__type ?? `HTTP ${response.status}`).replace(/^.*#/, '');
    throw new AwsError(code, String(body.message ?? body.Message ?? response.statusText));
  }
  return body as T;
}

/** STS GetCallerIdentity: who the credentials belong to (the sign-in check). */
export async function callerArn(session: Session): Promise<string> {
  const response = await signedFetch(session, {
    service: 'sts', method: 'POST', path: '/', body: 'Action=GetCallerIdentity&Version=2011-06-15',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
  });
  return firstText(await xmlAnswer(response), 'Arn');
}

export const firstText = (node: Document | Element, name: string) => node.getElementsByTagName(name)[0]?.textContent ?? '';

/** An XML answer's document; an error answer (<Error><Code/><Message/>, or a bodiless HEAD) thrown as AwsError. */
async function xmlAnswer(response: Response): Promise<Document> {
  const body = await response.text();
  const xml = new DOMParser().parseFromString(body === '' ? '<empty/>' : body, 'application/xml');
  if (!response.ok) throw new AwsError(firstText(xml, 'Code') || `HTTP ${response.status}`, firstText(xml, 'Message') || response.statusText);
  return xml;
}

/** One S3 REST call on a path-style `/bucket/key` path (encoded); resolves to the answer's XML and headers. */
export async function s3(session: Session, method: string, path: string, query: Record<string, string> = {}): Promise<{ xml: Document; headers: Headers }> {
  const response = await signedFetch(session, { service: 's3', method, path, query, headers: {} });
  return { xml: await xmlAnswer(response), headers: response.headers };
}
