import { InvalidInputError } from './errors.js';

/** A typed array's or buffer's own kind ("Uint8Array", "DataView", …), whatever its `constructor` property says. */
const kindOf = (value: object): string => Object.prototype.toString.call(value).slice(8, -1);

/** True for Uint8Arrays (and Buffers), including ones made in another realm (iframe, vm context). */
function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array || (ArrayBuffer.isView(value) && kindOf(value) === 'Uint8Array');
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return kindOf(value);
  return typeof value;
}

/** Returns `value` as bytes, or throws naming `field`. With `length`, the length must match. */
export function requireBytes(field: string, value: unknown, length?: number): Uint8Array {
  if (!isBytes(value)) throw new InvalidInputError(field, `expected a Uint8Array, got ${describe(value)}`);
  if (length !== undefined && value.length !== length) {
    throw new InvalidInputError(field, `expected ${length} bytes, got ${value.length}`);
  }
  return value;
}

export function requireIntegerInRange(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidInputError(field, `expected an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

/** Compares two byte arrays without an early exit, so timing does not reveal where they differ. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  // Stryker disable next-line EqualityOperator: "i <= a.length" also reads one past both ends, undefined ^ undefined, which is 0
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!;
  return difference === 0;
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
