// The calls the console makes, in the services' wire protocols: KMS's JSON 1.1 and STS's Query.
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
  const xml = new DOMParser().parseFromString(await response.text(), 'application/xml');
  const text = (name: string) => xml.getElementsByTagName(name)[0]?.textContent ?? '';
  if (!response.ok) throw new AwsError(text('Code') || `HTTP ${response.status}`, text('Message') || response.statusText);
  return text('Arn');
}
