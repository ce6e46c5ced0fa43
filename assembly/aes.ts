// AES-256 (FIPS 197): key expansion and the block function, table-driven.
//
// State words are little-endian u32 columns: byte r of column c sits at address 4c + r, which
// is bits 8r..8r+7 of `load<u32>(4c)`. The T-tables are built in the same orientation, so no
// byte swapping happens on the hot path.
//
// Side channels: the T-table lookups are indexed by secret bytes and so leak through the cache
// on machines shared with an attacker. This is the fast path; a constant-time path is separate.

export const AES256_ROUNDS: i32 = 14;
/** Bytes of one expanded AES-256 key schedule: 15 round keys of 16 bytes. */
export const AES256_SCHEDULE_BYTES: i32 = 240;

// Static tables, filled once by `initAesTables` when the module starts.
const TE: usize = memory.data(4 * 256 * 4, 64); // encryption T-tables T0..T3 (FIPS 197 §5.2.1 + §5.1.3)
const TD: usize = memory.data(4 * 256 * 4, 64); // decryption T-tables (equivalent inverse cipher, §5.3.5)
const SBOX: usize = memory.data(256, 64);
const INV_SBOX: usize = memory.data(256, 64);

@inline function xtime(b: u32): u32 {
  return ((b << 1) ^ (((b >> 7) & 1) * 0x1b)) & 0xff;
}

function gmul(a: u32, b: u32): u32 {
  let product: u32 = 0;
  for (let i = 0; i < 8; i++) {
    if (b & 1) product ^= a;
    a = xtime(a);
    b >>= 1;
  }
  return product;
}

/** Builds the S-box from its definition (§5.1.1: inverse in GF(2^8), then the affine map). */
function initSbox(): void {
  // Walk the multiplicative group with generator 3; inverse(3^i) = 3^(255-i).
  const exp = memory.data(256);
  let x: u32 = 1;
  for (let i = 0; i < 255; i++) {
    store<u8>(exp + i, <u8>x);
    x = x ^ xtime(x); // x * 3
  }
  const log = memory.data(256);
  for (let i = 0; i < 255; i++) store<u8>(log + load<u8>(exp + i), <u8>i);
  for (let v = 0; v < 256; v++) {
    const inverse: u32 = v == 0 ? 0 : load<u8>(exp + ((255 - load<u8>(log + v)) % 255));
    let s = inverse;
    for (let k = 1; k < 5; k++) s ^= ((inverse << k) | (inverse >> (8 - k))) & 0xff;
    s ^= 0x63;
    store<u8>(SBOX + v, <u8>s);
    store<u8>(INV_SBOX + s, <u8>v);
  }
  memory.fill(exp, 0, 256);
  memory.fill(log, 0, 256);
}

export function initAesTables(): void {
  initSbox();
  for (let x: u32 = 0; x < 256; x++) {
    // MixColumns column for a byte in row 0 is (2s, s, s, 3s); row r is that column rotated.
    const s = <u32>load<u8>(SBOX + x);
    const te0 = gmul(s, 2) | (s << 8) | (s << 16) | (gmul(s, 3) << 24);
    // InvMixColumns column for row 0 is (14, 9, 13, 11) times the inverse S-box byte.
    const i = <u32>load<u8>(INV_SBOX + x);
    const td0 = gmul(i, 14) | (gmul(i, 9) << 8) | (gmul(i, 13) << 16) | (gmul(i, 11) << 24);
    for (let r: u32 = 0; r < 4; r++) {
      store<u32>(TE + (r << 10) + (x << 2), rotl<u32>(te0, 8 * r));
      store<u32>(TD + (r << 10) + (x << 2), rotl<u32>(td0, 8 * r));
    }
  }
}

@inline function te(table: u32, byte: u32): u32 {
  return load<u32>(TE + (table << 10) + ((byte & 0xff) << 2));
}

@inline function td(table: u32, byte: u32): u32 {
  return load<u32>(TD + (table << 10) + ((byte & 0xff) << 2));
}

@inline function sbox(byte: u32): u32 {
  return <u32>load<u8>(SBOX + (byte & 0xff));
}

@inline function invSbox(byte: u32): u32 {
  return <u32>load<u8>(INV_SBOX + (byte & 0xff));
}

@inline function subWord(w: u32): u32 {
  return sbox(w) | (sbox(w >> 8) << 8) | (sbox(w >> 16) << 16) | (sbox(w >> 24) << 24);
}

/** Key expansion (§5.2) of the 32-byte key at `key` into 60 words at `rk`. */
export function aes256ExpandEncrypt(rk: usize, key: usize): void {
  for (let i = 0; i < 8; i++) store<u32>(rk + (i << 2), load<u32>(key + (i << 2)));
  let rcon: u32 = 1;
  for (let i = 8; i < 60; i++) {
    let t = load<u32>(rk + ((i - 1) << 2));
    if (i % 8 == 0) {
      // RotWord moves byte 1 to byte 0: a right rotation in little-endian words.
      t = subWord(rotr<u32>(t, 8)) ^ rcon;
      rcon = xtime(rcon);
    } else if (i % 8 == 4) {
      t = subWord(t);
    }
    store<u32>(rk + (i << 2), load<u32>(rk + ((i - 8) << 2)) ^ t);
  }
}

/** Decryption schedule for the equivalent inverse cipher (§5.3.5), from an encryption schedule. */
export function aes256ExpandDecrypt(dk: usize, rk: usize): void {
  for (let round = 0; round <= AES256_ROUNDS; round++) {
    const from = rk + ((AES256_ROUNDS - round) << 4);
    const to = dk + (round << 4);
    for (let c = 0; c < 4; c++) {
      const w = load<u32>(from + (c << 2));
      if (round == 0 || round == AES256_ROUNDS) {
        store<u32>(to + (c << 2), w);
      } else {
        // InvMixColumns(w): TD already holds InvMixColumns(InvSbox(x)), so feed it Sbox(x).
        store<u32>(to + (c << 2), td(0, sbox(w)) ^ td(1, sbox(w >> 8)) ^ td(2, sbox(w >> 16)) ^ td(3, sbox(w >> 24)));
      }
    }
  }
}

/** Encrypts the 16 bytes at `src` into `dst` (which may equal `src`). */
@inline export function aesEncryptBlock(rk: usize, src: usize, dst: usize): void {
  let s0 = load<u32>(src) ^ load<u32>(rk);
  let s1 = load<u32>(src, 4) ^ load<u32>(rk, 4);
  let s2 = load<u32>(src, 8) ^ load<u32>(rk, 8);
  let s3 = load<u32>(src, 12) ^ load<u32>(rk, 12);
  let k = rk + 16;
  for (let round = 1; round < AES256_ROUNDS; round++) {
    // SubBytes + ShiftRows + MixColumns: column c takes row r from column c + r.
    const t0 = te(0, s0) ^ te(1, s1 >> 8) ^ te(2, s2 >> 16) ^ te(3, s3 >> 24) ^ load<u32>(k);
    const t1 = te(0, s1) ^ te(1, s2 >> 8) ^ te(2, s3 >> 16) ^ te(3, s0 >> 24) ^ load<u32>(k, 4);
    const t2 = te(0, s2) ^ te(1, s3 >> 8) ^ te(2, s0 >> 16) ^ te(3, s1 >> 24) ^ load<u32>(k, 8);
    const t3 = te(0, s3) ^ te(1, s0 >> 8) ^ te(2, s1 >> 16) ^ te(3, s2 >> 24) ^ load<u32>(k, 12);
    s0 = t0; s1 = t1; s2 = t2; s3 = t3;
    k += 16;
  }
  // Final round: no MixColumns.
  store<u32>(dst, (sbox(s0) | (sbox(s1 >> 8) << 8) | (sbox(s2 >> 16) << 16) | (sbox(s3 >> 24) << 24)) ^ load<u32>(k));
  store<u32>(dst, (sbox(s1) | (sbox(s2 >> 8) << 8) | (sbox(s3 >> 16) << 16) | (sbox(s0 >> 24) << 24)) ^ load<u32>(k, 4), 4);
  store<u32>(dst, (sbox(s2) | (sbox(s3 >> 8) << 8) | (sbox(s0 >> 16) << 16) | (sbox(s1 >> 24) << 24)) ^ load<u32>(k, 8), 8);
  store<u32>(dst, (sbox(s3) | (sbox(s0 >> 8) << 8) | (sbox(s1 >> 16) << 16) | (sbox(s2 >> 24) << 24)) ^ load<u32>(k, 12), 12);
}

/** Decrypts the 16 bytes at `src` into `dst` with a schedule from `aes256ExpandDecrypt`. */
@inline export function aesDecryptBlock(dk: usize, src: usize, dst: usize): void {
  let s0 = load<u32>(src) ^ load<u32>(dk);
  let s1 = load<u32>(src, 4) ^ load<u32>(dk, 4);
  let s2 = load<u32>(src, 8) ^ load<u32>(dk, 8);
  let s3 = load<u32>(src, 12) ^ load<u32>(dk, 12);
  let k = dk + 16;
  for (let round = 1; round < AES256_ROUNDS; round++) {
    // InvShiftRows: column c takes row r from column c - r.
    const t0 = td(0, s0) ^ td(1, s3 >> 8) ^ td(2, s2 >> 16) ^ td(3, s1 >> 24) ^ load<u32>(k);
    const t1 = td(0, s1) ^ td(1, s0 >> 8) ^ td(2, s3 >> 16) ^ td(3, s2 >> 24) ^ load<u32>(k, 4);
    const t2 = td(0, s2) ^ td(1, s1 >> 8) ^ td(2, s0 >> 16) ^ td(3, s3 >> 24) ^ load<u32>(k, 8);
    const t3 = td(0, s3) ^ td(1, s2 >> 8) ^ td(2, s1 >> 16) ^ td(3, s0 >> 24) ^ load<u32>(k, 12);
    s0 = t0; s1 = t1; s2 = t2; s3 = t3;
    k += 16;
  }
  store<u32>(dst, (invSbox(s0) | (invSbox(s3 >> 8) << 8) | (invSbox(s2 >> 16) << 16) | (invSbox(s1 >> 24) << 24)) ^ load<u32>(k));
  store<u32>(dst, (invSbox(s1) | (invSbox(s0 >> 8) << 8) | (invSbox(s3 >> 16) << 16) | (invSbox(s2 >> 24) << 24)) ^ load<u32>(k, 4), 4);
  store<u32>(dst, (invSbox(s2) | (invSbox(s1 >> 8) << 8) | (invSbox(s0 >> 16) << 16) | (invSbox(s3 >> 24) << 24)) ^ load<u32>(k, 8), 8);
  store<u32>(dst, (invSbox(s3) | (invSbox(s2 >> 8) << 8) | (invSbox(s1 >> 16) << 16) | (invSbox(s0 >> 24) << 24)) ^ load<u32>(k, 12), 12);
}
