// AES-256-GCM (NIST SP 800-38D §7) as a resumable state machine over a context in linear memory,
// so the caller can feed IV, AAD and text in chunks of any size, split anywhere.
//
// Call order: gcmInit → (gcmSetIv96 | gcmIvAbsorb* gcmIvFinish) → gcmAad* → (gcmEncrypt | gcmDecrypt)* → gcmFinal.

import { AES256_ROUNDS, AES256_SCHEDULE_BYTES, aes256ExpandKey, aesEncrypt16, aesEncrypt8, aesEncryptBegin, aesEncryptEnd, aesEncryptRound, BATCH_BYTES } from './aes';
import { GHASH_TABLE_BYTES, ghashTableBlock, ghashTableBlocks, ghashTableSetKey } from './ghash';
import { ghashByteTablesBlock, ghashByteTablesBlocks, ghashByteTablesBuild, ghashByteTablesForget, ghashByteTablesOwnedBy } from './ghash-byte-tables';
import { multiplyByPowerOfH } from './ghash-combine';
import { ghashConstantTimeBlock, ghashConstantTimeBlocks, ghashConstantTimeSetKey } from './ghash-constant-time';
import { LANE_BLOCKS, ghashLanesAbsorb, ghashLanesBeginStep, ghashLanesBlocks, ghashLanesBuild, ghashLanesFinish, ghashLanesForget, ghashLanesMultiplyByte, ghashLanesOwnedBy, ghashLanesStart } from './ghash-lanes';

// Context layout (bytes from the context pointer).
const RK: usize = 0; // bitsliced AES-256 schedule
const HTABLE: usize = AES256_SCHEDULE_BYTES; // GHASH tables for H = E(0^128), or H prepared for the constant-time GHASH
const H: usize = HTABLE + GHASH_TABLE_BYTES; // 16: H itself, raw
const CONSTANT_TIME: usize = H + 16; // u32: 1 for the table-free GHASH
const X: usize = CONSTANT_TIME + 16; // 16: GHASH accumulator (hi, lo)
const TAG_MASK: usize = X + 16; // 16: E(J0)
const J0: usize = TAG_MASK + 16; // 16: the pre-counter block
const CTR: usize = J0 + 16; // 16: the next counter block, raw bytes
const KEYSTREAM: usize = CTR + 16; // 256: one batch of keystream (two in keystreamPairHashing)
const GBUF: usize = KEYSTREAM + 2 * BATCH_BYTES; // 16: bytes waiting to fill a GHASH block
const KEYSTREAM_USED: usize = GBUF + 16; // u32: bytes of KEYSTREAM already used (128 = none left)
const GBUF_LEN: usize = KEYSTREAM_USED + 4; // u32
const AAD_OPEN: usize = GBUF_LEN + 4; // u32: 1 while AAD may still be added
const AAD_LEN: usize = AAD_OPEN + 8; // u64 bytes
const TEXT_LEN: usize = AAD_LEN + 8; // u64 bytes
export const GCM_TAG: usize = TEXT_LEN + 8; // 16: the tag, after gcmFinal
export const GCM_CONTEXT_BYTES: usize = GCM_TAG + 16;

/** Which GHASH hashes a run of blocks (constant-time or not is the context's; the tables per run). */
const NIBBLE_TABLES: u32 = 0, BYTE_TABLES: u32 = 1, CONSTANT_TIME_GHASH: u32 = 2, CONSTANT_TIME_LANES: u32 = 3;

/**
 * Fewest blocks for which a context builds the byte tables (ghash-byte-tables.ts) when they are not
 * already its own: building them costs about what they save on this many. Measured with
 * `node bench/probes/ghash-table-threshold.mjs` (see README, issue 19).
 */
const BYTE_TABLES_MIN_BLOCKS: usize = 1536;

/**
 * The GHASH for `blocks` blocks in a context that does not use the constant-time GHASH: the byte
 * tables if they hold this context's H, or if the run is long enough to build them for it (runs of
 * every length then use them until another key takes them); otherwise the nibble tables.
 */
function tablesFor(ctx: usize, blocks: usize): u32 {
  if (ghashByteTablesOwnedBy(ctx + H)) return BYTE_TABLES;
  if (blocks < BYTE_TABLES_MIN_BLOCKS) return NIBBLE_TABLES;
  ghashByteTablesBuild(ctx + HTABLE, ctx + H);
  return BYTE_TABLES;
}

/**
 * Fewest blocks for which a constant-time context builds the lane tables (ghash-lanes.ts) when they
 * are not already its own, and fewest for which it uses them at all (the fold after a run costs 16
 * blocks of the plain constant-time GHASH). Measured with `node bench/probes/ghash-table-threshold.mjs --lanes`.
 */
const LANES_BUILD_MIN_BLOCKS: usize = 128;
const LANES_MIN_BLOCKS: usize = 32;

/** The constant-time GHASH for `blocks` blocks: the lanes if their tables are (or are worth making) this context's. */
function constantTimeFor(ctx: usize, blocks: usize): u32 {
  if (blocks < LANES_MIN_BLOCKS) return CONSTANT_TIME_GHASH;
  if (ghashLanesOwnedBy(ctx + H)) return CONSTANT_TIME_LANES;
  if (blocks < LANES_BUILD_MIN_BLOCKS) return CONSTANT_TIME_GHASH;
  ghashLanesBuild(ctx + H);
  return CONSTANT_TIME_LANES;
}

/** The GHASH for `blocks` blocks in this context. */
@inline function ghashFor(ctx: usize, blocks: usize): u32 {
  return load<u32>(ctx + CONSTANT_TIME) ? constantTimeFor(ctx, blocks) : tablesFor(ctx, blocks);
}

/** GHASH over whole blocks, by the mode chosen at gcmInit. */
function ghashBlocks(ctx: usize, src: usize, blocks: usize): void {
  const ghash = ghashFor(ctx, blocks);
  if (ghash == CONSTANT_TIME_LANES) {
    const laned = blocks & ~(LANE_BLOCKS - 1);
    ghashLanesBlocks(ctx + HTABLE, ctx + X, src, laned);
    ghashConstantTimeBlocks(ctx + HTABLE, ctx + X, src + (laned << 4), blocks - laned);
  } else if (ghash == CONSTANT_TIME_GHASH) ghashConstantTimeBlocks(ctx + HTABLE, ctx + X, src, blocks);
  else if (ghash == BYTE_TABLES) ghashByteTablesBlocks(ctx + X, src, blocks);
  else ghashTableBlocks(ctx + HTABLE, ctx + X, src, blocks);
}

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
    ghashBlocks(ctx, ctx + GBUF, 1);
    fill = 0;
  }
  const blocks = len >> 4;
  ghashBlocks(ctx, src, blocks);
  src += blocks << 4;
  len &= 15;
  memory.copy(ctx + GBUF, src, len);
  store<u32>(ctx + GBUF_LEN, <u32>len);
}

/** Zero-pads and absorbs a pending partial block (the 0^v and 0^u of §7.1 step 5). */
function ghashPad(ctx: usize): void {
  const fill = <usize>load<u32>(ctx + GBUF_LEN);
  if (fill == 0) return;
  memory.fill(ctx + GBUF + fill, 0, 16 - fill);
  ghashBlocks(ctx, ctx + GBUF, 1);
  store<u32>(ctx + GBUF_LEN, 0);
}

/** Absorbs the block [a]64 || [b]64 of two bit lengths. */
function ghashLengths(ctx: usize, aBytes: u64, bBytes: u64): void {
  store<u64>(ctx + GBUF, bswap<u64>(aBytes << 3));
  store<u64>(ctx + GBUF, bswap<u64>(bBytes << 3), 8);
  ghashBlocks(ctx, ctx + GBUF, 1);
}

/**
 * Expands the 32-byte key at `key`, derives H and resets all running state. With `constantTime`,
 * GHASH uses no table (see ghash-constant-time.ts); otherwise the nibble tables (ghash.ts), and the
 * byte tables (ghash-byte-tables.ts) for long runs.
 */
export function gcmInit(ctx: usize, key: usize, constantTime: bool): void {
  memory.fill(ctx, 0, GCM_CONTEXT_BYTES);
  aes256ExpandKey(ctx + RK, key);
  aesEncrypt8(ctx + RK, ctx + KEYSTREAM); // block 0: H = E(0^128)
  memory.copy(ctx + H, ctx + KEYSTREAM, 16);
  store<u32>(ctx + CONSTANT_TIME, constantTime ? 1 : 0);
  if (constantTime) ghashConstantTimeSetKey(ctx + HTABLE, ctx + H);
  else ghashTableSetKey(ctx + HTABLE, ctx + H);
  memory.fill(ctx + KEYSTREAM, 0, BATCH_BYTES);
  store<u32>(ctx + KEYSTREAM_USED, <u32>BATCH_BYTES);
  store<u32>(ctx + AAD_OPEN, 1);
}

/** Writes the next 8 counter blocks to `dst` and advances the counter (inc32, mod 2^32). */
@inline function counterBatch(ctx: usize, dst: usize): void {
  const block = v128.load(ctx + CTR);
  let counter = bswap<u32>(load<u32>(ctx + CTR + 12));
  for (let i: usize = 0; i < 8; i++) {
    v128.store(dst + (i << 4), i32x4.replace_lane(block, 3, bswap<u32>(counter)));
    counter++;
  }
  store<u32>(ctx + CTR + 12, bswap<u32>(counter));
}

/** Encrypts the next 8 counter blocks into `dst` and advances the counter. */
function nextKeystreamBatch(ctx: usize, dst: usize): void {
  counterBatch(ctx, dst);
  aesEncrypt8(ctx + RK, dst);
}

@inline function xorBatch(p: usize, ks: usize): void {
  for (let i: usize = 0; i < BATCH_BYTES; i += 16) v128.store(p + i, v128.xor(v128.load(p + i), v128.load(ks + i)));
}

/** J0 is known: its encryption masks the tag; the rest of that batch is keystream from inc32(J0). */
function startCounter(ctx: usize): void {
  memory.copy(ctx + J0, ctx + CTR, 16);
  nextKeystreamBatch(ctx, ctx + KEYSTREAM);
  memory.copy(ctx + TAG_MASK, ctx + KEYSTREAM, 16);
  store<u32>(ctx + KEYSTREAM_USED, 16);
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
  while (used < BATCH_BYTES && len > 0) {
    store<u8>(p, load<u8>(p) ^ load<u8>(ks + used));
    p++; len--; used++;
  }
  while (len >= BATCH_BYTES) {
    nextKeystreamBatch(ctx, ks);
    xorBatch(p, ks);
    p += BATCH_BYTES; len -= BATCH_BYTES;
  }
  if (len > 0) {
    nextKeystreamBatch(ctx, ks);
    for (used = 0; used < len; used++) store<u8>(p + used, load<u8>(p + used) ^ load<u8>(ks + used));
  }
  store<u32>(ctx + KEYSTREAM_USED, <u32>used);
}

/** GHASH of the block at `src` into X by `ghash`: one block, so that it can sit between two AES rounds. */
@inline function hashOneBlock(ctx: usize, src: usize, ghash: u32): void {
  const x = ctx + X;
  if (ghash == CONSTANT_TIME_GHASH) v128.store(x, ghashConstantTimeBlock(ctx + HTABLE, x, v128.load(x), src));
  else if (ghash == BYTE_TABLES) v128.store(x, ghashByteTablesBlock(x, v128.load(x), src));
  else v128.store(x, ghashTableBlock(ctx + HTABLE, x, v128.load(x), src));
}

/** The next two keystream batches, into KEYSTREAM. */
@inline function counterPair(ctx: usize): void {
  counterBatch(ctx, ctx + KEYSTREAM);
  counterBatch(ctx, ctx + KEYSTREAM + BATCH_BYTES);
}

/** XORs the two keystream batches in KEYSTREAM into the 256 bytes at `p`. */
@inline function xorPair(ctx: usize, p: usize): void {
  xorBatch(p, ctx + KEYSTREAM);
  xorBatch(p + BATCH_BYTES, ctx + KEYSTREAM + BATCH_BYTES);
}

/**
 * One sixteenth of a pair's GHASH work, `slot` 0..15: block `slot` of the 16 at `hashed`, or with
 * the lanes (which hash no block here) byte position `slot` of the lanes' product by H^16.
 */
@inline function hashSlice(ctx: usize, hashed: usize, slot: usize, ghash: u32): void {
  if (ghash == CONSTANT_TIME_LANES) ghashLanesMultiplyByte(slot);
  else hashOneBlock(ctx, hashed + (slot << 4), ghash);
}

/**
 * The next two keystream batches into KEYSTREAM, with GHASH's work on the 16 blocks at `hashed`
 * (which must not be the plaintext the keystream is for) one slice after each of the first 16 of
 * the 26 rounds (the two batches' rounds alternate, as in aesEncrypt16): GHASH's scalar work and
 * table loads then run beside the S-box's vector work instead of after it.
 */
@inline function keystreamPairHashing(ctx: usize, hashed: usize, ghash: u32): void {
  const a = ctx + KEYSTREAM, b = a + BATCH_BYTES, rk = ctx + RK;
  counterPair(ctx);
  aesEncryptBegin(rk, a);
  aesEncryptBegin(rk, b);
  for (let round: usize = 1; round < <usize>AES256_ROUNDS; round++) {
    aesEncryptRound(rk, a, round);
    if (round <= 8) hashSlice(ctx, hashed, (round - 1) << 1, ghash);
    aesEncryptRound(rk, b, round);
    if (round <= 8) hashSlice(ctx, hashed, ((round - 1) << 1) + 1, ghash);
  }
  aesEncryptEnd(rk, a);
  aesEncryptEnd(rk, b);
}

/** XORs the next two keystream batches into the 256 bytes at `p`, hashing nothing meanwhile. */
@inline function cryptPair(ctx: usize, p: usize): void {
  counterPair(ctx);
  aesEncrypt16(ctx + RK, ctx + KEYSTREAM);
  xorPair(ctx, p);
}

/**
 * `pairs` pairs of whole batches (256 bytes each) at `p`, starting on a fresh keystream batch and
 * a whole GHASH block. Decryption hashes each pair's ciphertext during its own keystream;
 * encryption hashes each pair's ciphertext during the next pair's keystream, and the last after.
 */
@inline function cryptPairs(ctx: usize, p: usize, pairs: usize, encrypting: bool, ghash: u32): void {
  if (encrypting) {
    cryptPair(ctx, p);
    for (let i: usize = 1; i < pairs; i++) {
      keystreamPairHashing(ctx, p + ((i - 1) << 8), ghash);
      xorPair(ctx, p + (i << 8));
    }
    ghashBlocks(ctx, p + ((pairs - 1) << 8), 16);
  } else {
    for (let i: usize = 0; i < pairs; i++) {
      keystreamPairHashing(ctx, p + (i << 8), ghash);
      xorPair(ctx, p + (i << 8));
    }
  }
}

/**
 * cryptPairs with the constant-time GHASH in lanes (ghash-lanes.ts): each pair after the first
 * multiplies the lanes by H^16 one byte position after each of the first 16 of its 26 rounds, then
 * adds its 16 ciphertext blocks to them (before decrypting them, after encrypting them).
 */
@inline function cryptPairsLanes(ctx: usize, p: usize, pairs: usize, encrypting: bool): void {
  if (!encrypting) ghashLanesStart(ctx + X, p);
  cryptPair(ctx, p);
  if (encrypting) ghashLanesStart(ctx + X, p);
  for (let i: usize = 1; i < pairs; i++) {
    const pair = p + (i << 8);
    ghashLanesBeginStep();
    keystreamPairHashing(ctx, 0, CONSTANT_TIME_LANES);
    if (!encrypting) ghashLanesAbsorb(pair);
    xorPair(ctx, pair);
    if (encrypting) ghashLanesAbsorb(pair);
  }
  ghashLanesFinish(ctx + HTABLE, ctx + X);
}

// One function per direction and GHASH, each with its own copy of the pair loop (the branches on
// `encrypting` and `ghash` inside it then fold away). Kept apart, not inlined into cryptAndHash:
// Binaryen's optimizer takes superlinear time in a function's size, and one function holding all
// six loops took most of the core's build.
function encryptPairsConstantTime(ctx: usize, p: usize, pairs: usize): void { cryptPairs(ctx, p, pairs, true, CONSTANT_TIME_GHASH); }
function encryptPairsByteTables(ctx: usize, p: usize, pairs: usize): void { cryptPairs(ctx, p, pairs, true, BYTE_TABLES); }
function encryptPairsNibbleTables(ctx: usize, p: usize, pairs: usize): void { cryptPairs(ctx, p, pairs, true, NIBBLE_TABLES); }
function decryptPairsConstantTime(ctx: usize, p: usize, pairs: usize): void { cryptPairs(ctx, p, pairs, false, CONSTANT_TIME_GHASH); }
function decryptPairsByteTables(ctx: usize, p: usize, pairs: usize): void { cryptPairs(ctx, p, pairs, false, BYTE_TABLES); }
function decryptPairsNibbleTables(ctx: usize, p: usize, pairs: usize): void { cryptPairs(ctx, p, pairs, false, NIBBLE_TABLES); }
function encryptPairsLanes(ctx: usize, p: usize, pairs: usize): void { cryptPairsLanes(ctx, p, pairs, true); }
function decryptPairsLanes(ctx: usize, p: usize, pairs: usize): void { cryptPairsLanes(ctx, p, pairs, false); }

/** CTR and GHASH over `len` bytes at `p` one after the other (ciphertext hashed either way). */
@inline function cryptThenHash(ctx: usize, p: usize, len: usize, encrypting: bool): void {
  if (encrypting) {
    ctrXor(ctx, p, len);
    ghashAbsorb(ctx, p, len);
  } else {
    ghashAbsorb(ctx, p, len);
    ctrXor(ctx, p, len);
  }
}

/**
 * Encrypts or decrypts `len` bytes at `p` in place and absorbs the ciphertext: up to the end of
 * the current keystream batch one step after the other, then pairs of whole batches with GHASH
 * between the AES rounds (if the text so far is whole GHASH blocks), then the rest one step after
 * the other.
 */
function cryptAndHash(ctx: usize, p: usize, len: usize, encrypting: bool): void {
  closeAad(ctx);
  store<u64>(ctx + TEXT_LEN, load<u64>(ctx + TEXT_LEN) + <u64>len);
  const head = min(len, BATCH_BYTES - <usize>load<u32>(ctx + KEYSTREAM_USED));
  cryptThenHash(ctx, p, head, encrypting);
  p += head; len -= head;
  const pairs = load<u32>(ctx + GBUF_LEN) == 0 ? len >> 8 : 0;
  if (pairs > 0) {
    const ghash = ghashFor(ctx, pairs << 4);
    if (encrypting) {
      if (ghash == CONSTANT_TIME_LANES) encryptPairsLanes(ctx, p, pairs);
      else if (ghash == CONSTANT_TIME_GHASH) encryptPairsConstantTime(ctx, p, pairs);
      else if (ghash == BYTE_TABLES) encryptPairsByteTables(ctx, p, pairs);
      else encryptPairsNibbleTables(ctx, p, pairs);
    } else {
      if (ghash == CONSTANT_TIME_LANES) decryptPairsLanes(ctx, p, pairs);
      else if (ghash == CONSTANT_TIME_GHASH) decryptPairsConstantTime(ctx, p, pairs);
      else if (ghash == BYTE_TABLES) decryptPairsByteTables(ctx, p, pairs);
      else decryptPairsNibbleTables(ctx, p, pairs);
    }
  }
  p += pairs << 8; len -= pairs << 8;
  cryptThenHash(ctx, p, len, encrypting);
}

/** Encrypts `len` bytes at `p` in place and absorbs the ciphertext. */
export function gcmEncrypt(ctx: usize, p: usize, len: usize): void {
  cryptAndHash(ctx, p, len, true);
}

/** Absorbs the ciphertext at `p`, then decrypts it in place. */
export function gcmDecrypt(ctx: usize, p: usize, len: usize): void {
  cryptAndHash(ctx, p, len, false);
}

/**
 * Zeroes the byte tables if they are this context's (its H's): call before releasing a context
 * that may have used them. Other contexts with the same H build them again when they need them.
 */
export function gcmForget(ctx: usize): void {
  ghashByteTablesForget(ctx + H);
  ghashLanesForget(ctx + H);
}

/** Computes the full 16-byte tag into the context at GCM_TAG (§7.1 steps 5–6). */
export function gcmFinal(ctx: usize): void {
  closeAad(ctx);
  ghashPad(ctx);
  ghashLengths(ctx, load<u64>(ctx + AAD_LEN), load<u64>(ctx + TEXT_LEN));
  store<u64>(ctx + GCM_TAG, bswap<u64>(load<u64>(ctx + X)) ^ load<u64>(ctx + TAG_MASK));
  store<u64>(ctx + GCM_TAG, bswap<u64>(load<u64>(ctx + X, 8)) ^ load<u64>(ctx + TAG_MASK, 8), 8);
}

// Parallel GCM: workers encrypt counter ranges and hash their own ciphertext from zero; the
// owner of the message folds those partial hashes into its running hash, in order.

/** Where the pre-counter block J0 and the GHASH accumulator sit, relative to the context. */
export const GCM_J0: usize = J0;
export const GCM_HASH: usize = X;

/** For a worker: continue CTR from the counter block at `block` (no IV, no AAD, X from zero). */
export function gcmSetCounter(ctx: usize, block: usize): void {
  memory.copy(ctx + CTR, block, 16);
  store<u32>(ctx + KEYSTREAM_USED, <u32>BATCH_BYTES);
  closeAad(ctx);
}

/** For a worker: pads the last partial block into the hash, which is then the part's sum. */
export function gcmFinishPart(ctx: usize): void {
  ghashPad(ctx);
}

/** For the owner: X = X·H^blocks ⊕ S for a part of `bytes` bytes whose partial hash S is at `partial`. */
export function gcmAbsorbPart(ctx: usize, partial: usize, blocks: u64, bytes: u64): void {
  closeAad(ctx);
  multiplyByPowerOfH(ctx + X, ctx + H, blocks);
  store<u64>(ctx + X, load<u64>(ctx + X) ^ load<u64>(partial));
  store<u64>(ctx + X, load<u64>(ctx + X, 8) ^ load<u64>(partial, 8), 8);
  store<u64>(ctx + TEXT_LEN, load<u64>(ctx + TEXT_LEN) + bytes);
}
