// A response body in AWS JSON 1.1: blobs as base64 strings, timestamps as epoch seconds (Smithy,
// "AWS JSON 1.1 protocol": blob → base64, timestamp → epoch-seconds number). Members left undefined
// are not sent.

import { bytesToBase64 } from '../core/base64.js';

export function awsJson(value: object): string {
  // `this[key]` is the value before Date.prototype.toJSON turned it into an ISO string.
  return JSON.stringify(value, function replacer(this: Record<string, unknown>, key, member: unknown) {
    const original = this[key];
    if (original instanceof Date) return original.getTime() / 1000;
    if (member instanceof Uint8Array) return bytesToBase64(member);
    return member;
  });
}
