// KMS requests and responses between AWS JSON 1.1 and the library's shapes. The JSON protocol sends
// blobs as base64 strings and timestamps as epoch seconds (Smithy, "AWS JSON 1.1 protocol":
// blob → base64, timestamp → epoch-seconds number); the library takes Uint8Array and Date.

import { base64ToBytesOrUndefined } from '../core/base64.js';
import { awsJson } from './aws-json.js';
import { ServiceError } from './service-error.js';

/** The blob members of the KMS requests the library has. */
const REQUEST_BLOBS = ['Plaintext', 'CiphertextBlob', 'ImportToken', 'EncryptedKeyMaterial'];
/** The timestamp members of those requests. */
const REQUEST_TIMESTAMPS = ['ValidTo'];

const serializationError = (message: string) => new ServiceError('SerializationException', 400, message);

/** The request object the library's method takes, from the JSON body. */
export function requestFromWire(body: Uint8Array): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = body.length === 0 ? {} : JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    throw serializationError('the request body is not valid JSON');
  }
  return requestFromJson(parsed);
}

/** The request object the library's method takes, from the parsed JSON of a request (blobs base64, timestamps epoch seconds). */
export function requestFromJson(parsed: unknown): Record<string, unknown> {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw serializationError('the request body must be a JSON object');
  const request = parsed as Record<string, unknown>;
  for (const field of REQUEST_BLOBS) {
    if (request[field] === undefined) continue;
    const bytes = base64ToBytesOrUndefined(request[field]);
    if (!bytes) throw serializationError(`${field}: expected a base64 string`);
    request[field] = bytes;
  }
  for (const field of REQUEST_TIMESTAMPS) {
    if (request[field] === undefined) continue;
    if (typeof request[field] !== 'number' || !Number.isFinite(request[field])) throw serializationError(`${field}: expected epoch seconds`);
    request[field] = new Date(request[field] * 1000);
  }
  return request;
}

/**
 * The JSON body of a response: Uint8Array → base64, Date → epoch seconds, and a top-level KeyId that
 * is a bare key id → the key's ARN (AWS answers with the ARN there). Plaintext byte arrays are
 * zeroed once encoded.
 */
export function responseToWire(response: object, keyArn: (keyId: string) => string): string {
  const top = { ...response } as Record<string, unknown>;
  if (typeof top.KeyId === 'string' && !top.KeyId.startsWith('arn:')) top.KeyId = keyArn(top.KeyId);
  const json = awsJson(top);
  if (response && (response as { Plaintext?: unknown }).Plaintext instanceof Uint8Array) (response as { Plaintext: Uint8Array }).Plaintext.fill(0);
  return json;
}
