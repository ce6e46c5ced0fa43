// Base64 (RFC 4648, padded) to and from bytes, for every layer: the embedded WASM, wrapped keys and
// tokens in records and headers. atob and btoa work on "binary strings" (one character per byte),
// which is what these convert to and from.

/** Characters passed to String.fromCharCode at once: spreading a whole large array overflows the call stack. */
const CHUNK = 0x8000;

type NodeBuffer = { from(buffer: ArrayBufferLike, byteOffset: number, length: number): { toString(encoding: 'base64'): string } };

/** Node's Buffer, where the runtime has one: its native encoder is many times faster than btoa (a loop in JavaScript in Node). */
const nodeBuffer = (globalThis as { Buffer?: NodeBuffer }).Buffer;

/** `usePlatform`: encode with Node's Buffer where there is one (the same text either way). */
export function bytesToBase64(bytes: Uint8Array, usePlatform = nodeBuffer !== undefined): string {
  if (usePlatform && nodeBuffer) return nodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  let binary = '';
  for (let at = 0; at < bytes.length; at += CHUNK) binary += String.fromCharCode(...bytes.subarray(at, at + CHUNK));
  return btoa(binary);
}

/** Throws (atob's InvalidCharacterError) if `text` is not base64. */
export function base64ToBytes(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The bytes `text` encodes, or undefined when it is not a base64 string (for callers that answer with their own error). */
export function base64ToBytesOrUndefined(text: unknown): Uint8Array<ArrayBuffer> | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    return base64ToBytes(text);
  } catch {
    return undefined;
  }
}
