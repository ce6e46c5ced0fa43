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

