// Random bytes for the per-call secrets and IVs of the cryptographic operations (a data key and a
// blob IV per GenerateDataKey), drawn from crypto.getRandomValues a block at a time: one call of it
// costs about as much for 4 KiB as for 12 bytes (a few µs each, most of a call's randomness cost),
// so each block serves about a hundred calls. Bytes are handed out once, in order, and zeroed in
// the block as they are handed out, so the block never holds a value a caller has been given.

const BLOCK_BYTES = 4096;
/** Larger requests (GenerateRandom, NumberOfBytes up to 1,024) go to getRandomValues directly. */
const MAX_POOLED_BYTES = 64;

let block = new Uint8Array(0);
let used = 0;

/** `length` fresh random bytes. */
export function randomBytes(length: number): Uint8Array {
  if (length > MAX_POOLED_BYTES) return crypto.getRandomValues(new Uint8Array(length));
  return randomInto(new Uint8Array(length), 0, length);
}

/** Writes `length` (at most 64) fresh random bytes into `target` at `offset` (a blob's IV, without an array of its own); returns `target`. */
export function randomInto(target: Uint8Array, offset: number, length: number): Uint8Array {
  if (length > MAX_POOLED_BYTES) throw new RangeError(`randomInto: at most ${MAX_POOLED_BYTES} bytes at once`);
  if (used + length > block.length) {
    block = crypto.getRandomValues(new Uint8Array(BLOCK_BYTES));
    used = 0;
  }
  target.set(block.subarray(used, used + length), offset);
  block.fill(0, used, used + length);
  used += length;
  return target;
}

const HEX_DIGITS = new TextEncoder().encode('0123456789abcdef');
const uuidText = new Uint8Array(36);
const uuidBytes = new Uint8Array(16);
const uuidDecoder = new TextDecoder();

/**
 * A random (version 4) UUID, as crypto.randomUUID gives (RFC 9562 §5.4), drawn from the pool: one
 * flat string made from its 36 characters, where Node's crypto.randomUUID joins 20 pieces (for
 * each audit record's id: half a kilobyte of garbage less per record, and a string the MAC input
 * then reads without flattening it).
 */
export function randomUuid(): string {
  randomInto(uuidBytes, 0, 16);
  uuidBytes[6] = (uuidBytes[6]! & 0x0f) | 0x40; // version 4
  uuidBytes[8] = (uuidBytes[8]! & 0x3f) | 0x80; // variant 10
  let at = 0;
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) uuidText[at++] = 0x2d; // -
    uuidText[at++] = HEX_DIGITS[uuidBytes[i]! >> 4]!;
    uuidText[at++] = HEX_DIGITS[uuidBytes[i]! & 0x0f]!;
  }
  uuidBytes.fill(0);
  return uuidDecoder.decode(uuidText);
}
