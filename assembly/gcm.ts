// AES-256-GCM (NIST SP 800-38D §7) as a resumable state machine over a context in linear memory,
// so the caller can feed IV, AAD and text in chunks of any size, split anywhere.
//
// Call order: gcmInit → (gcmSetIv96 | gcmIvAbsorb* gcmIvFinish) → gcmAad* → (gcmEncrypt | gcmDecrypt)* → gcmFinal.

import { aes256ExpandEncrypt, aesEncryptBlock } from './aes';
import { ghashBlock, ghashSetKey } from './ghash';

// Context layout (bytes from the context pointer).
const RK: usize = 0; // 240: AES-256 encryption schedule
const HTABLE: usize = 256; // 256: GHASH table for H = E(0^128)
const X: usize = 512; // 16: GHASH accumulator (hi, lo)
const TAG_MASK: usize = 528; // 16: E(J0)
const CTR: usize = 544; // 16: current counter block, raw bytes
const KEYSTREAM: usize = 560; // 16: keystream of the last partial block
const GBUF: usize = 576; // 16: bytes waiting to fill a GHASH block
const KEYSTREAM_USED: usize = 592; // u32: bytes of KEYSTREAM already used (16 = none left)
const GBUF_LEN: usize = 596; // u32
const AAD_OPEN: usize = 600; // u32: 1 while AAD may still be added
const AAD_LEN: usize = 608; // u64 bytes
const TEXT_LEN: usize = 616; // u64 bytes
export const GCM_TAG: usize = 624; // 16: the tag, after gcmFinal
export const GCM_CONTEXT_BYTES: usize = 640;

/** Absorbs bytes into GHASH, buffering an incomplete trailing block in the context. */
function ghashAbsorb(ctx: usize, src: usize, len: usize): void {
  let fill = <usize>load<u32>(ctx + GBUF_LEN);
  if (fill > 0) {
    while (fill < 16 && len > 0) {
      store<u8>(ctx + GBUF + fill, load<u8>(src));
      fill++; src++; len--;
    }
    if (fill < 16) {
      store<u32>(ctx + GBUF_LEN, <u32>fill);
      return;
    }
    ghashBlock(ctx + HTABLE, ctx + X, ctx + GBUF);
    fill = 0;
  }
  while (len >= 16) {
    ghashBlock(ctx + HTABLE, ctx + X, src);
    src += 16; len -= 16;
  }
  memory.copy(ctx + GBUF, src, len);
  store<u32>(ctx + GBUF_LEN, <u32>len);
}

/** Zero-pads and absorbs a pending partial block (the 0^v and 0^u of §7.1 step 5). */
function ghashPad(ctx: usize): void {
  const fill = <usize>load<u32>(ctx + GBUF_LEN);
  if (fill == 0) return;
  memory.fill(ctx + GBUF + fill, 0, 16 - fill);
  ghashBlock(ctx + HTABLE, ctx + X, ctx + GBUF);
  store<u32>(ctx + GBUF_LEN, 0);
}

/** Absorbs the block [a]64 || [b]64 of two bit lengths. */
function ghashLengths(ctx: usize, aBytes: u64, bBytes: u64): void {
  store<u64>(ctx + GBUF, bswap<u64>(aBytes << 3));
  store<u64>(ctx + GBUF, bswap<u64>(bBytes << 3), 8);
  ghashBlock(ctx + HTABLE, ctx + X, ctx + GBUF);
}

/** Expands the 32-byte key at `key`, derives H and resets all running state. */
export function gcmInit(ctx: usize, key: usize): void {
  memory.fill(ctx, 0, GCM_CONTEXT_BYTES);
  aes256ExpandEncrypt(ctx + RK, key);
  aesEncryptBlock(ctx + RK, ctx + X, ctx + GBUF); // H = E(0^128); X is all zero here
  ghashSetKey(ctx + HTABLE, ctx + GBUF);
  memory.fill(ctx + GBUF, 0, 16);
  store<u32>(ctx + KEYSTREAM_USED, 16);
  store<u32>(ctx + AAD_OPEN, 1);
}

/** J0 is known: encrypts it for the tag and sets the first counter to inc32(J0). */
function startCounter(ctx: usize): void {
  aesEncryptBlock(ctx + RK, ctx + CTR, ctx + TAG_MASK);
  store<u32>(ctx + CTR + 12, bswap<u32>(bswap<u32>(load<u32>(ctx + CTR + 12)) + 1));
}

/** The 96-bit IV fast path: J0 = IV || 0^31 || 1. */
export function gcmSetIv96(ctx: usize, iv: usize): void {
  memory.copy(ctx + CTR, iv, 12);
  store<u32>(ctx + CTR + 12, bswap<u32>(1));
  startCounter(ctx);
}

/** Any other IV length: J0 = GHASH(IV || 0^s || 0^64 || [len(IV)]64); feed the IV in chunks. */
export function gcmIvAbsorb(ctx: usize, src: usize, len: usize): void {
  ghashAbsorb(ctx, src, len);
}

export function gcmIvFinish(ctx: usize, ivBytes: u64): void {
  ghashPad(ctx);
  ghashLengths(ctx, 0, ivBytes);
  store<u64>(ctx + CTR, bswap<u64>(load<u64>(ctx + X)));
  store<u64>(ctx + CTR, bswap<u64>(load<u64>(ctx + X, 8)), 8);
  memory.fill(ctx + X, 0, 16);
  startCounter(ctx);
}

export function gcmAad(ctx: usize, src: usize, len: usize): void {
  ghashAbsorb(ctx, src, len);
  store<u64>(ctx + AAD_LEN, load<u64>(ctx + AAD_LEN) + <u64>len);
}

function closeAad(ctx: usize): void {
  if (load<u32>(ctx + AAD_OPEN) == 0) return;
  ghashPad(ctx);
  store<u32>(ctx + AAD_OPEN, 0);
}

/** XORs the CTR keystream (GCTR, §6.5) into `len` bytes at `p`, resuming mid-block if needed. */
function ctrXor(ctx: usize, p: usize, len: usize): void {
  const ks = ctx + KEYSTREAM;
  let used = <usize>load<u32>(ctx + KEYSTREAM_USED);
  while (used < 16 && len > 0) {
    store<u8>(p, load<u8>(p) ^ load<u8>(ks + used));
    p++; len--; used++;
  }
  const counterWord = ctx + CTR + 12;
  let counter = bswap<u32>(load<u32>(counterWord));
  while (len > 0) {
    aesEncryptBlock(ctx + RK, ctx + CTR, ks);
    counter++; // inc32: wraps modulo 2^32
    store<u32>(counterWord, bswap<u32>(counter));
    if (len >= 16) {
      store<u64>(p, load<u64>(p) ^ load<u64>(ks));
      store<u64>(p, load<u64>(p, 8) ^ load<u64>(ks, 8), 8);
      p += 16; len -= 16;
    } else {
      for (used = 0; used < len; used++) store<u8>(p + used, load<u8>(p + used) ^ load<u8>(ks + used));
      len = 0;
    }
  }
  store<u32>(ctx + KEYSTREAM_USED, <u32>used);
}

/** Encrypts `len` bytes at `p` in place and absorbs the ciphertext. */
export function gcmEncrypt(ctx: usize, p: usize, len: usize): void {
  closeAad(ctx);
  ctrXor(ctx, p, len);
  ghashAbsorb(ctx, p, len);
  store<u64>(ctx + TEXT_LEN, load<u64>(ctx + TEXT_LEN) + <u64>len);
}

/** Absorbs the ciphertext at `p`, then decrypts it in place. */
export function gcmDecrypt(ctx: usize, p: usize, len: usize): void {
  closeAad(ctx);
  ghashAbsorb(ctx, p, len);
  ctrXor(ctx, p, len);
  store<u64>(ctx + TEXT_LEN, load<u64>(ctx + TEXT_LEN) + <u64>len);
}

/** Computes the full 16-byte tag into the context at GCM_TAG (§7.1 steps 5–6). */
export function gcmFinal(ctx: usize): void {
  closeAad(ctx);
  ghashPad(ctx);
  ghashLengths(ctx, load<u64>(ctx + AAD_LEN), load<u64>(ctx + TEXT_LEN));
  store<u64>(ctx + GCM_TAG, bswap<u64>(load<u64>(ctx + X)) ^ load<u64>(ctx + TAG_MASK));
  store<u64>(ctx + GCM_TAG, bswap<u64>(load<u64>(ctx + X, 8)) ^ load<u64>(ctx + TAG_MASK, 8), 8);
}
