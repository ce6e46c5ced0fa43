// XTS-AES-256 (IEEE 1619-2018 §5) over a context in linear memory. Key1 encrypts the data, Key2
// encrypts the tweak. A data unit may be fed in several calls: every call but the last covers
// whole blocks; the last may end in a partial block, which is handled by ciphertext stealing.
// Blocks go through AES eight at a time.

import { AES256_SCHEDULE_BYTES, aes256DecryptionSchedule, aes256ExpandKey, aesDecrypt16, aesDecrypt8, aesEncrypt16, aesEncrypt8, aesOneBlock, BATCH_BYTES } from './aes';

const RK1: usize = 0; // bitsliced Key1 schedule
const RK2: usize = AES256_SCHEDULE_BYTES; // bitsliced Key2 schedule
const DK1: usize = 2 * AES256_SCHEDULE_BYTES; // Key1's decryption schedule
const TWEAK: usize = 3 * AES256_SCHEDULE_BYTES; // 16: T for the next block
const TWEAKS: usize = TWEAK + 16; // 256: the tweaks of one batch or two
const BATCH: usize = TWEAKS + 2 * BATCH_BYTES; // 128: a partial batch
const PREVIOUS_TWEAK: usize = BATCH + BATCH_BYTES; // 16
const SECTOR_TWEAKS: usize = PREVIOUS_TWEAK + 16; // 128: the first tweaks of up to 8 sectors
export const XTS_CONTEXT_BYTES: usize = SECTOR_TWEAKS + BATCH_BYTES;

/** Expands the 64-byte key at `key` (Key1 || Key2). */
export function xtsInit(ctx: usize, key: usize): void {
  memory.fill(ctx, 0, XTS_CONTEXT_BYTES);
  aes256ExpandKey(ctx + RK1, key);
  aes256ExpandKey(ctx + RK2, key + 32);
  aes256DecryptionSchedule(ctx + DK1, ctx + RK1);
}

/** Starts a data unit: T = E_Key2(tweak) for the 16-byte tweak at `tweak`. */
export function xtsStart(ctx: usize, tweak: usize): void {
  aesOneBlock(ctx + RK2, tweak, ctx + TWEAK, true);
}

/**
 * T · α in GF(2^128), with the byte order and polynomial x^128 + x^7 + x^2 + x + 1 of §5.2, on a
 * register: each 64-bit half shifts left by one, and the bit each half shifts out comes back as a
 * mask (psrad + pshufd, no multiply): lo's top bit enters hi as 1, hi's folds into lo as 0x87.
 * Keeping the tweak out of memory in the batch loop also avoids reloading 16 bytes just written
 * as two 8-byte halves, which stalls store-to-load forwarding.
 */
@inline function timesAlpha(t: v128): v128 {
  const signs = i32x4.shr_s(t, 31); // lanes 1 and 3: all ones where lo's / hi's top bit is set
  const carries = v128.and(i32x4.shuffle(signs, signs, 3, 3, 1, 1), i32x4(0x87, 0, 1, 0));
  return v128.xor(i64x2.shl(t, 1), carries);
}

/** T = T · α for the tweak stored at `t`. */
@inline function nextTweak(t: usize): void {
  v128.store(t, timesAlpha(v128.load(t)));
}

@inline function xorBlocks(dst: usize, mask: usize, count: usize): void {
  for (let i: usize = 0; i < count; i++) {
    v128.store(dst + (i << 4), v128.xor(v128.load(dst + (i << 4)), v128.load(mask + (i << 4))));
  }
}

/**
 * C = E(P ⊕ T) ⊕ T for `count` whole blocks at `batch`: ≤ 8 in a batch with room for 8, or 16 in
 * two batches (`pair`) whose rounds alternate.
 */
@inline function cryptBatch(ctx: usize, batch: usize, count: usize, encrypting: bool, pair: bool = false): void {
  const tweaks = ctx + TWEAKS;
  let t = v128.load(ctx + TWEAK);
  for (let i: usize = 0; i < count; i++) {
    v128.store(tweaks + (i << 4), t);
    v128.store(batch + (i << 4), v128.xor(v128.load(batch + (i << 4)), t));
    t = timesAlpha(t);
  }
  v128.store(ctx + TWEAK, t);
  if (pair) {
    if (encrypting) aesEncrypt16(ctx + RK1, batch);
    else aesDecrypt16(ctx + DK1, batch);
  } else if (encrypting) aesEncrypt8(ctx + RK1, batch);
  else aesDecrypt8(ctx + DK1, batch);
  xorBlocks(batch, tweaks, count);
}

/** Whole blocks at `p`, in place: full batches directly, the rest through the BATCH scratch. */
function cryptBlocks(ctx: usize, p: usize, blocks: usize, encrypting: bool): void {
  let i: usize = 0;
  for (; i + 16 <= blocks; i += 16) cryptBatch(ctx, p + (i << 4), 16, encrypting, true);
  if (i + 8 <= blocks) {
    cryptBatch(ctx, p + (i << 4), 8, encrypting);
    i += 8;
  }
  const rest = blocks - i;
  if (rest == 0) return;
  const batch = ctx + BATCH;
  memory.fill(batch, 0, BATCH_BYTES);
  memory.copy(batch, p + (i << 4), rest << 4);
  cryptBatch(ctx, batch, rest, encrypting);
  memory.copy(p + (i << 4), batch, rest << 4);
  memory.fill(batch, 0, BATCH_BYTES);
}

/** Encrypts or decrypts one block at `p` in place with the tweak at `t`. */
function cryptOneBlock(ctx: usize, p: usize, t: usize, encrypting: bool): void {
  xorBlocks(p, t, 1);
  aesOneBlock(ctx + (encrypting ? RK1 : DK1), p, p, encrypting);
  xorBlocks(p, t, 1);
}

@inline function swapBytes(a: usize, b: usize, count: usize): void {
  for (let i: usize = 0; i < count; i++) {
    const x = load<u8>(a + i);
    store<u8>(a + i, load<u8>(b + i));
    store<u8>(b + i, x);
  }
}

/** Encrypts `len` bytes at `p` in place (len >= 16; a partial tail only in a data unit's last call). */
export function xtsEncrypt(ctx: usize, p: usize, len: usize): void {
  const tail = len & 15;
  const blocks = (len >> 4) - (tail != 0 ? 1 : 0); // the last whole block takes part in stealing
  cryptBlocks(ctx, p, blocks, true);
  if (tail == 0) return;
  // §5.3.2: CC = enc(P_{m-1}); C_m = CC[0..tail); C_{m-1} = enc(P_m || CC[tail..16)).
  const last = p + (blocks << 4);
  const t = ctx + TWEAK;
  cryptOneBlock(ctx, last, t, true);
  nextTweak(t);
  swapBytes(last, last + 16, tail);
  cryptOneBlock(ctx, last, t, true);
}

/** Decrypts `len` bytes at `p` in place, mirroring `xtsEncrypt`. */
export function xtsDecrypt(ctx: usize, p: usize, len: usize): void {
  const tail = len & 15;
  const blocks = (len >> 4) - (tail != 0 ? 1 : 0);
  cryptBlocks(ctx, p, blocks, false);
  if (tail == 0) return;
  // §5.4.2: the last whole ciphertext block was made with the *next* tweak T_m.
  const last = p + (blocks << 4);
  const t = ctx + TWEAK;
  memory.copy(ctx + PREVIOUS_TWEAK, t, 16);
  nextTweak(t);
  cryptOneBlock(ctx, last, t, false); // → P_m || CC[tail..16)
  swapBytes(last, last + 16, tail);
  cryptOneBlock(ctx, last, ctx + PREVIOUS_TWEAK, false);
}

/**
 * Encrypts or decrypts consecutive data units of `sectorSize` bytes (a multiple of 16) at `p`, the
 * first with sector number `firstSector`: the multi-sector path that volumes use for bulk I/O.
 * The tweaks of 8 sectors come from one AES batch (a sector's tweak is its number, little-endian,
 * encrypted under Key2), instead of a batch per sector for its one block.
 */
function cryptSectors(ctx: usize, p: usize, len: usize, sectorSize: usize, firstSector: u64, encrypting: bool): void {
  const starts = ctx + SECTOR_TWEAKS;
  let sector = firstSector;
  for (let offset: usize = 0; offset < len;) {
    const group = <usize>min<u64>(8, <u64>((len - offset) / sectorSize));
    memory.fill(starts, 0, BATCH_BYTES);
    for (let j: usize = 0; j < group; j++) store<u64>(starts + (j << 4), sector + <u64>j);
    aesEncrypt8(ctx + RK2, starts);
    for (let j: usize = 0; j < group; j++, offset += sectorSize) {
      v128.store(ctx + TWEAK, v128.load(starts + (j << 4)));
      cryptBlocks(ctx, p + offset, sectorSize >> 4, encrypting);
    }
    sector += <u64>group;
  }
  memory.fill(starts, 0, BATCH_BYTES);
}

export function xtsEncryptSectors(ctx: usize, p: usize, len: usize, sectorSize: usize, firstSector: u64): void {
  cryptSectors(ctx, p, len, sectorSize, firstSector, true);
}

export function xtsDecryptSectors(ctx: usize, p: usize, len: usize, sectorSize: usize, firstSector: u64): void {
  cryptSectors(ctx, p, len, sectorSize, firstSector, false);
}
