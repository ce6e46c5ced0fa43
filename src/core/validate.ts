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
