// GHASH (NIST SP 800-38D §6.4) for long messages: one 256-entry table per byte position, so
// X·H = ⊕_j M_j[byte_j(X)] is 16 lookups and 16 XORs a block (the nibble tables of ghash.ts take
// 32 of each), with no shift and no reduction. Same field-element layout as ghash.ts: entries are
// (hi, lo) native u64 words, so the two kinds of tables can take turns on one running hash.
//
// The tables take 64 KiB: one set per WASM instance (static memory, not per context: context
// slots are copied and zeroed per message, and 64 KiB would make that cost more than the tables
// save), built for one hash key H at a time from that key's nibble tables (4096 XORs, a few µs)
// and tagged with the H they hold, so a context checks that they are its own before using them.
// The caller zeroes them when the context that owns them is released (ghashByteTablesForget).
//
// Each table starts 0x1040 bytes after the previous one, not 0x1000: with tables exactly 4 KiB
// apart, the 16 loads of a block share their address bits 0–11 whenever two bytes are equal, and
// on this AMD EPYC GHASH alone ran 2.9× slower than on the nibble tables (2.36 against 0.81 ns/B;
// the same with a 16 KiB footprint, so not cache misses); 64 bytes more per table: 0.64 ns/B.
//
// Side channels: like the nibble tables, the lookups are indexed by bytes of (accumulator ⊕ data),
// which depend on H; only the default (not constant-time) GHASH uses them.

import { BSWAP_HALVES, sameBlock } from './ghash';

/** Distance between two byte positions' tables (256 entries of 16 bytes, plus 64; see above). */
const STRIDE: usize = 0x1040;
const TABLE_BYTES: usize = 16 * STRIDE;
/** The 16 tables, then the block whose bytes index them (staged), then the H the tables are for. */
const TABLES: usize = memory.data(<i32>(TABLE_BYTES + 32), 64);
const STAGED: usize = TABLES + TABLE_BYTES;
const OWNER: usize = STAGED + 16;
/** Static memory these tables take, for the README's accounting. */
export const GHASH_BYTE_TABLES_BYTES: usize = TABLE_BYTES + 32;

/** Whether the tables hold the multiples of the hash key at `h` (16 raw bytes). */
export function ghashByteTablesOwnedBy(h: usize): bool {
  return sameBlock(OWNER, h);
}

/**
 * Fills the tables for the hash key at `h` from its nibble tables at `nibbles` (ghashTableSetKey):
 * byte position j of the byte-swapped (hi, lo) block is nibbles k = 2(7 − j) and k + 1 for j < 8
 * (hi's bytes from its top), 16 + 2(15 − j) and the next for j ≥ 8, so M_j[v] = T_k[v >> 4] ⊕ T_k+1[v & 15].
 */
export function ghashByteTablesBuild(nibbles: usize, h: usize): void {
  for (let j: usize = 0; j < 16; j++) {
    const k: usize = j < 8 ? 2 * (7 - j) : 16 + 2 * (15 - j);
    const high = nibbles + (k << 8), low = high + 256, table = TABLES + j * STRIDE;
    for (let v: usize = 0; v < 256; v++) {
      v128.store(table + (v << 4), v128.xor(v128.load(high + ((v >> 4) << 4)), v128.load(low + ((v & 15) << 4))));
    }
  }
  v128.store(OWNER, v128.load(h));
}

/** Zeroes the tables (and what was staged) if they are for the hash key at `h`. */
export function ghashByteTablesForget(h: usize): void {
  if (ghashByteTablesOwnedBy(h)) memory.fill(TABLES, 0, GHASH_BYTE_TABLES_BYTES);
}

/**
 * Where the entry for byte position `j` of the staged block lies in its table. The table's own address
 * is each load's constant offset (lookupLow, lookupHigh), not added to this: V8 folds a load's
 * offset into the x86 address, but must compute a 32-bit add itself (it wraps), one instruction more
 * per lookup.
 */
@inline function entry(j: usize): usize {
  return <usize>load<u8>(STAGED + j) << 4;
}

/** The XOR of the entries for byte positions 0 to 7 (an offset must be a constant: hence two functions). */
@inline function lookupLow(): v128 {
  const a = v128.xor(v128.load(entry(0), TABLES), v128.load(entry(1), TABLES + STRIDE));
  const b = v128.xor(v128.load(entry(2), TABLES + 2 * STRIDE), v128.load(entry(3), TABLES + 3 * STRIDE));
  const c = v128.xor(v128.load(entry(4), TABLES + 4 * STRIDE), v128.load(entry(5), TABLES + 5 * STRIDE));
  const d = v128.xor(v128.load(entry(6), TABLES + 6 * STRIDE), v128.load(entry(7), TABLES + 7 * STRIDE));
  return v128.xor(v128.xor(a, b), v128.xor(c, d));
}

/** The XOR of the entries for byte positions 8 to 15. */
@inline function lookupHigh(): v128 {
  const a = v128.xor(v128.load(entry(8), TABLES + 8 * STRIDE), v128.load(entry(9), TABLES + 9 * STRIDE));
  const b = v128.xor(v128.load(entry(10), TABLES + 10 * STRIDE), v128.load(entry(11), TABLES + 11 * STRIDE));
  const c = v128.xor(v128.load(entry(12), TABLES + 12 * STRIDE), v128.load(entry(13), TABLES + 13 * STRIDE));
  const d = v128.xor(v128.load(entry(14), TABLES + 14 * STRIDE), v128.load(entry(15), TABLES + 15 * STRIDE));
  return v128.xor(v128.xor(a, b), v128.xor(c, d));
}

/**
 * (X ⊕ B)·H for X = `z` (hi, lo) and the block B at `src`, from tables built for H. The block's
 * bytes are staged whole (one store) and read back one by one: the offsets computed in vector
 * registers instead (16-bit lanes, or 32-bit with the table address added) measured 3–11% slower in
 * GCM, where AES keeps the vector units busy. The sum of the first eight entries is stored to `x`
 * (which must not overlap `src`) for the reason ghashTableBlock gives: it keeps V8 from hoisting
 * all 16 loads above their XORs (no spill this way).
 */
@inline export function ghashByteTablesBlock(x: usize, z: v128, src: usize): v128 {
  v128.store(STAGED, v128.xor(z, i8x16.swizzle(v128.load(src), v128.load(BSWAP_HALVES))));
  z = lookupLow();
  v128.store(x, z);
  return v128.xor(z, lookupHigh());
}

/** X = (…((X ⊕ B1)·H ⊕ B2)·H …)·H over `blocks` blocks at `src`; X (hi, lo) at `x`. */
export function ghashByteTablesBlocks(x: usize, src: usize, blocks: usize): void {
  let z = v128.load(x);
  for (let b: usize = 0; b < blocks; b++, src += 16) z = ghashByteTablesBlock(x, z, src);
  v128.store(x, z);
}
