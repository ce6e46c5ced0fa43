// A response body in AWS JSON 1.1: blobs as base64 strings, timestamps as epoch seconds (Smithy,
// "AWS JSON 1.1 protocol": blob → base64, timestamp → epoch-seconds number). Members left undefined
// are not sent. Base64 by node:buffer (native; the service runs on Node) rather than the portable
// encoder's binary string through btoa, which showed in a GenerateDataKey's CPU profile.

export function awsJson(value: object): string {
  // `this[key]` is the value before Date.prototype.toJSON turned it into an ISO string.
  return JSON.stringify(value, function replacer(this: Record<string, unknown>, key, member: unknown) {
    const original = this[key];
    if (original instanceof Date) return original.getTime() / 1000;
    if (member instanceof Uint8Array) return Buffer.from(member.buffer, member.byteOffset, member.byteLength).toString('base64');
    return member;
  });
}
