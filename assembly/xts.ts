// XTS-AES-256 (IEEE 1619-2018 §5) over a context in linear memory. Key1 encrypts the data, Key2
// encrypts the tweak. A data unit may be fed in several calls: every call but the last covers
// whole blocks; the last may end in a partial block, which is handled by ciphertext stealing.

import { aes256ExpandDecrypt, aes256ExpandEncrypt, aesDecryptBlock, aesEncryptBlock } from './aes';

const RK1: usize = 0; // 240: Key1 encryption schedule
const DK1: usize = 256; // 240: Key1 decryption schedule
const RK2: usize = 512; // 240: Key2 encryption schedule
const TWEAK: usize = 768; // 16: T for the next block, little-endian (§5.2's α^j multiplication)
const SCRATCH: usize = 784; // 16
const SCRATCH2: usize = 800; // 16
export const XTS_CONTEXT_BYTES: usize = 816;

/** Expands the 64-byte key at `key` (Key1 || Key2). */
export function xtsInit(ctx: usize, key: usize): void {
  memory.fill(ctx, 0, XTS_CONTEXT_BYTES);
  aes256ExpandEncrypt(ctx + RK1, key);
  aes256ExpandDecrypt(ctx + DK1, ctx + RK1);
  aes256ExpandEncrypt(ctx + RK2, key + 32);
}

/** Starts a data unit: T = E_Key2(tweak) for the 16-byte tweak at `tweak`. */
export function xtsStart(ctx: usize, tweak: usize): void {
  aesEncryptBlock(ctx + RK2, tweak, ctx + TWEAK);
}

/** Starts the data unit whose tweak is the 128-bit little-endian number `sector`. */
function startSector(ctx: usize, sector: u64): void {
  store<u64>(ctx + SCRATCH, sector);
  store<u64>(ctx + SCRATCH, 0, 8);
  aesEncryptBlock(ctx + RK2, ctx + SCRATCH, ctx + TWEAK);
}

/** T = T · α in GF(2^128), with the byte order and polynomial x^128 + x^7 + x^2 + x + 1 of §5.2. */
@inline function nextTweak(t: usize): void {
  const lo = load<u64>(t);
  const hi = load<u64>(t, 8);
  store<u64>(t, (lo << 1) ^ ((hi >> 63) * 0x87));
  store<u64>(t, (hi << 1) | (lo >> 63), 8);
}

@inline function xorBlock(dst: usize, a: usize, b: usize): void {
  store<u64>(dst, load<u64>(a) ^ load<u64>(b));
  store<u64>(dst, load<u64>(a, 8) ^ load<u64>(b, 8), 8);
}

/** C = E(P ⊕ T) ⊕ T in place, then advances T. */
@inline function encryptBlockInPlace(ctx: usize, p: usize): void {
  const t = ctx + TWEAK;
  xorBlock(p, p, t);
  aesEncryptBlock(ctx + RK1, p, p);
  xorBlock(p, p, t);
  nextTweak(t);
}

@inline function decryptBlockWithTweak(ctx: usize, p: usize, t: usize): void {
  xorBlock(p, p, t);
  aesDecryptBlock(ctx + DK1, p, p);
  xorBlock(p, p, t);
}

/** Encrypts `len` bytes at `p` in place (len >= 16; a partial tail only in a data unit's last call). */
export function xtsEncrypt(ctx: usize, p: usize, len: usize): void {
  const tail = len & 15;
  let blocks = len >> 4;
  if (tail != 0) blocks--; // the last whole block takes part in ciphertext stealing
  for (let i: usize = 0; i < blocks; i++) encryptBlockInPlace(ctx, p + (i << 4));
  if (tail == 0) return;
  // §5.3.2: CC = enc(P_{m-1}); C_m = CC[0..tail); C_{m-1} = enc(P_m || CC[tail..16)).
  const last = p + (blocks << 4);
  const partial = last + 16;
  encryptBlockInPlace(ctx, last);
  for (let i: usize = 0; i < tail; i++) {
    const c = load<u8>(last + i);
    store<u8>(last + i, load<u8>(partial + i));
    store<u8>(partial + i, c);
  }
  encryptBlockInPlace(ctx, last);
}

/** Decrypts `len` bytes at `p` in place, mirroring `xtsEncrypt`. */
export function xtsDecrypt(ctx: usize, p: usize, len: usize): void {
  const t = ctx + TWEAK;
  const tail = len & 15;
  let blocks = len >> 4;
  if (tail != 0) blocks--;
  for (let i: usize = 0; i < blocks; i++) {
    decryptBlockWithTweak(ctx, p + (i << 4), t);
    nextTweak(t);
  }
  if (tail == 0) return;
  // §5.4.2: the last whole ciphertext block was made with the *next* tweak T_m.
  const last = p + (blocks << 4);
  const partial = last + 16;
  const previousTweak = ctx + SCRATCH2;
  memory.copy(previousTweak, t, 16);
  nextTweak(t);
  decryptBlockWithTweak(ctx, last, t); // PP = P_m || CC[tail..16)
  for (let i: usize = 0; i < tail; i++) {
    const pm = load<u8>(last + i);
    store<u8>(last + i, load<u8>(partial + i));
    store<u8>(partial + i, pm);
  }
  decryptBlockWithTweak(ctx, last, previousTweak);
  memory.fill(previousTweak, 0, 16);
}

/**
 * Encrypts consecutive data units of `sectorSize` bytes (a multiple of 16) at `p`, the first with
 * sector number `firstSector`: the multi-sector path that volumes use for bulk I/O.
 */
export function xtsEncryptSectors(ctx: usize, p: usize, len: usize, sectorSize: usize, firstSector: u64): void {
  for (let offset: usize = 0; offset < len; offset += sectorSize) {
    startSector(ctx, firstSector++);
    xtsEncrypt(ctx, p + offset, sectorSize);
  }
}

export function xtsDecryptSectors(ctx: usize, p: usize, len: usize, sectorSize: usize, firstSector: u64): void {
  for (let offset: usize = 0; offset < len; offset += sectorSize) {
    startSector(ctx, firstSector++);
    xtsDecrypt(ctx, p + offset, sectorSize);
  }
}
