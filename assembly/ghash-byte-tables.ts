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

import { BSWAP_HALVES } from './ghash';

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
  return load<u64>(OWNER) == load<u64>(h) && load<u64>(OWNER, 8) == load<u64>(h, 8);
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

/** The entry for byte position `j` of the staged block, in the table that starts at `table`. */
@inline function entry(table: usize, j: usize): usize {
  return table + (<usize>load<u8>(STAGED + j) << 4);
}

/** The XOR of the entries for byte positions `j` to `j` + 7, from the tables at `t` on. */
@inline function lookupEight(t: usize, j: usize): v128 {
  const a = v128.xor(v128.load(entry(t, j)), v128.load(entry(t + STRIDE, j + 1)));
  const b = v128.xor(v128.load(entry(t + 2 * STRIDE, j + 2)), v128.load(entry(t + 3 * STRIDE, j + 3)));
  const c = v128.xor(v128.load(entry(t + 4 * STRIDE, j + 4)), v128.load(entry(t + 5 * STRIDE, j + 5)));
  const d = v128.xor(v128.load(entry(t + 6 * STRIDE, j + 6)), v128.load(entry(t + 7 * STRIDE, j + 7)));
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
  z = lookupEight(TABLES, 0);
  v128.store(x, z);
  return v128.xor(z, lookupEight(TABLES + 8 * STRIDE, 8));
}

/** X = (…((X ⊕ B1)·H ⊕ B2)·H …)·H over `blocks` blocks at `src`; X (hi, lo) at `x`. */
export function ghashByteTablesBlocks(x: usize, src: usize, blocks: usize): void {
  let z = v128.load(x);
  for (let b: usize = 0; b < blocks; b++, src += 16) z = ghashByteTablesBlock(x, z, src);
  v128.store(x, z);
}
