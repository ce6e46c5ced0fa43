// Combining GHASH partial sums computed in parallel: for a part of n blocks hashed from zero to S,
// the running hash becomes X·H^n ⊕ S. H^n comes from square-and-multiply on the constant-time
// multiplier (block counts are public, so the loop shape leaks nothing secret).

import { GHASH_CT_KEY_BYTES, ghashConstantTimeBlocks, ghashConstantTimeSetKey } from './ghash-constant-time';

const PRODUCT: usize = memory.data(16, 16);
const ACCUMULATOR: usize = memory.data(16, 16);
const POWER: usize = memory.data(16, 16);
const PREPARED: usize = memory.data(<i32>GHASH_CT_KEY_BYTES, 16);

/** Accumulator words (hi, lo) ↔ raw block bytes: the same byte swap both ways. */
@inline function swapWords(src: usize, dst: usize): void {
  const hi = load<u64>(src);
  const lo = load<u64>(src, 8);
  store<u64>(dst, bswap<u64>(hi));
  store<u64>(dst, bswap<u64>(lo), 8);
}

/** out = a · b for raw blocks (out may alias a or b). */
function multiplyRaw(a: usize, b: usize, out: usize): void {
  memory.fill(PRODUCT, 0, 16);
  ghashConstantTimeSetKey(PREPARED, b);
  ghashConstantTimeBlocks(PREPARED, PRODUCT, a, 1);
  swapWords(PRODUCT, out);
}

/** X = X · H^n, with the accumulator X (hi, lo words) at `x` and H raw at `h`. */
export function multiplyByPowerOfH(x: usize, h: usize, n: u64): void {
  swapWords(x, ACCUMULATOR);
  memory.copy(POWER, h, 16);
  while (n > 0) {
    if (n & 1) multiplyRaw(ACCUMULATOR, POWER, ACCUMULATOR);
    n >>= 1;
    if (n > 0) multiplyRaw(POWER, POWER, POWER);
  }
  swapWords(ACCUMULATOR, x);
  memory.fill(ACCUMULATOR, 0, 16);
  memory.fill(POWER, 0, 16);
  memory.fill(PRODUCT, 0, 16);
  memory.fill(PREPARED, 0, GHASH_CT_KEY_BYTES);
}
