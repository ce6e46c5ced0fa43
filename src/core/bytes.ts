// Byte helpers for every layer: joining, copying, comparing (in constant time where a secret or a
// tag is compared), and the all-zero test of sparse storage. Hex and UTF-8 come from
// @noble/hashes/utils and TextEncoder; base64 is in base64.ts.

/** One Uint8Array holding `parts` back to back. */
export function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Compares two byte arrays without an early exit, so timing does not reveal where they differ. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  // Stryker disable next-line EqualityOperator: "i <= a.length" also reads one past both ends, undefined ^ undefined, which is 0
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!;
  return difference === 0;
}

/** Two strings (signatures, secrets) compared as their UTF-8 bytes, in constant time. */
export function constantTimeEqualText(a: string, b: string): boolean {
  const encoder = new TextEncoder();
  return constantTimeEqual(encoder.encode(a), encoder.encode(b));
}

/**
 * A copy with its own ArrayBuffer. (Not `.slice()`: on a Node Buffer that returns a view, and
 * zeroing or transferring such a "copy" would zero or detach the caller's bytes.)
 */
export function copyBytes(bytes: Uint8Array, start = 0, end = bytes.length): Uint8Array {
  return new Uint8Array(bytes.subarray(start, end));
}

/** Orders byte strings lexicographically (a shorter prefix first): negative, zero or positive. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** Whether every byte is zero, read 4 bytes a step where alignment allows (a per-byte callback scan took ~20 ns a byte). */
export function isAllZero(bytes: Uint8Array): boolean {
  const head = (4 - (bytes.byteOffset % 4)) % 4;
  // Stryker disable next-line ConditionalExpression,EqualityOperator: the word loop below only makes it faster; the byte scan gives the same answer for any length
  if (bytes.length < head + 4) return bytes.every((b) => b === 0);
  // Stryker disable next-line EqualityOperator: "i <= head" also checks byte head, which the word loop checks anyway (the array holds at least head + 4 bytes here)
  for (let i = 0; i < head; i++) if (bytes[i] !== 0) return false;
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset + head, (bytes.length - head) >> 2);
  for (let i = 0; i < words.length; i++) if (words[i] !== 0) return false;
  for (let i = head + words.length * 4; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}
