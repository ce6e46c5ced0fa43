// The calls the console makes, in the services' wire protocols: KMS's and Athena's JSON 1.1, STS's Query, S3's REST.
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
export const kms = <T>(session: Session, operation: string, input: object = {}) => awsJson<T>(session, 'kms', 'TrentService', operation, input);

/** One Athena operation (AmazonAthena.<operation>), likewise. */
export const athena = <T>(session: Session, operation: string, input: object = {}) => awsJson<T>(session, 'athena', 'AmazonAthena', operation, input);

/** One AWS JSON 1.1 operation (X-Amz-Target <prefix>.<operation>) of `service`. */
async function awsJson<T>(session: Session, service: 'kms' | 'athena', prefix: string, operation: string, input: object): Promise<T> {
  const response = await signedFetch(session, {
    service, method: 'POST', path: '/', body: JSON.stringify(input),
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `${prefix}.${operation}` },
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

/** `/bucket/key`, each key segment percent-encoded once (S3 signs the path as sent). */
export const objectPath = (bucket: string, key = '') => `/${encodeURIComponent(bucket)}/${key.split('/').map(encodeURIComponent).join('/')}`;

export const firstText = (node: Document | Element, name: string) => node.getElementsByTagName(name)[0]?.textContent ?? '';

/** An XML answer's document; an error answer (<Error><Code/><Message/>, or a bodiless HEAD) thrown as AwsError. */
const xmlAnswer = async (response: Response) => xmlDocument(response.status, response.ok, response.statusText, await response.text());

/** `body` parsed; where it is an error answer (or `ok` is false), thrown as AwsError. */
export function xmlDocument(status: number, ok: boolean, statusText: string, body: string): Document {
  const xml = new DOMParser().parseFromString(body === '' ? '<empty/>' : body, 'application/xml');
  // CompleteMultipartUpload can fail after its 200 has been sent: the body is then an <Error> (S3 API Reference).
  if (!ok || xml.documentElement.nodeName === 'Error') throw new AwsError(firstText(xml, 'Code') || `HTTP ${status}`, firstText(xml, 'Message') || statusText);
  return xml;
}

/** One S3 REST call on a path-style `/bucket/key` path (encoded); resolves to the answer's XML and headers. */
export async function s3(session: Session, method: string, path: string, query: Record<string, string> = {}, request: { headers?: Record<string, string>; body?: string } = {}):
  Promise<{ xml: Document; headers: Headers }> {
  const response = await signedFetch(session, { service: 's3', method, path, query, headers: request.headers ?? {}, body: request.body });
  return { xml: await xmlAnswer(response), headers: response.headers };
}

type XmlChild = [name: string, content: string | XmlChild[]];

/** An S3 request document: `root`, in S3's namespace, holding `children` (text, or elements in turn). */
export function s3Document(root: string, children: XmlChild[]): string {
  const ns = 'http://s3.amazonaws.com/doc/2006-03-01/';
  const xml = document.implementation.createDocument(ns, root);
  const fill = (parent: Element, content: XmlChild[]) => {
    for (const [name, value] of content) {
      const element = xml.createElementNS(ns, name);
      if (typeof value === 'string') element.textContent = value;
      else fill(element, value);
      parent.append(element);
    }
  };
  fill(xml.documentElement, children);
  return new XMLSerializer().serializeToString(xml);
}
