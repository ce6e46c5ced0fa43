// GHASH's byte tables (assembly/ghash-byte-tables.ts): one set per WASM instance, built for one
// hash key at a time when a context hashes a long enough run of blocks in one call
// (BYTE_TABLES_MIN_BLOCKS in assembly/gcm.ts: 1536 blocks, 24 KiB), used by every later run of that
// key while they are its own, zeroed when a context of that key is released. What could go wrong:
// a threshold edge, a stream that switches between nibble and byte tables, tables left from
// another key, tables wiped under a live stream of the same key, tables left in memory. Each case
// is checked against node:crypto (or, for memory, byte for byte against a snapshot).
import { describe, expect, it } from 'vitest';
import { createGcmDecryptor, createGcmEncryptor, gcm } from '../../src/index.js';
import { wasm } from '../../src/core/wasm-runtime.js';
import { concat } from '../helpers/bytes.js';
import { nodeGcmEncrypt } from '../helpers/node-reference.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const KiB = 1024;
/** Text lengths from 16 to 40 KiB: each side of the threshold (24 KiB of whole 256-byte pairs after the first batch). */
const AROUND_THRESHOLD = Array.from({ length: 49 }, (_, i) => 16 * KiB + i * 500 + (i % 17));

type Stream = { update(chunk: Uint8Array): Uint8Array; final(): Uint8Array };

/** Feeds `pieces` (lengths) of `data` to `stream`; returns every output, then final()'s. */
function feed(stream: Stream, data: Uint8Array, pieces: number[]): Uint8Array {
  const out: Uint8Array[] = [];
  let at = 0;
  for (const piece of pieces) {
    out.push(stream.update(data.subarray(at, at + piece)));
    at += piece;
  }
  out.push(stream.update(data.subarray(at)), stream.final());
  return concat(out);
}

describe('GCM with GHASH byte tables (default GHASH) matches node:crypto', () => {
  it('for one-shot messages of every length around the threshold, both ways, with AAD below and above it', () => {
    const rng = new SeededRandom(1901);
    for (const length of AROUND_THRESHOLD) {
      for (const aadLength of [0, 13, 30 * KiB + 5]) {
        const [key, iv, aad, plaintext] = [rng.bytes(32), rng.bytes(12), rng.bytes(aadLength), rng.bytes(length)];
        const expected = nodeGcmEncrypt(key, iv, aad, plaintext);
        const sealed = gcm(key, iv, aad).encrypt(plaintext);
        expect(Buffer.from(sealed).equals(expected), `text ${length}, aad ${aadLength}`).toBe(true);
        expect(Buffer.from(gcm(key, iv, aad).decrypt(sealed)).equals(plaintext), `text ${length}, aad ${aadLength}`).toBe(true);
      }
    }
  });

  it('for streams whose updates go below, across and above the threshold, in any order', () => {
    const rng = new SeededRandom(1902);
    const shapes: number[][] = [
      [100, 40 * KiB, 7, 3 * KiB, 1], // small, then one that builds the tables, then small ones on them
      [24 * KiB + 111, 1, 24 * KiB + 113], // just at the edge, twice
      [5, 16 * KiB, 16 * KiB, 16 * KiB], // below it every time: nibble tables only
      [64 * KiB + 3, 17, 64 * KiB - 17, 200 * KiB], // tables, a partial block, tables again
    ];
    for (const pieces of shapes) {
      const [key, iv, aad] = [rng.bytes(32), rng.bytes(rng.int(2) === 0 ? 12 : 40), rng.bytes(rng.int(100))];
      const plaintext = rng.bytes(pieces.reduce((a, b) => a + b, 0) + rng.int(5000));
      const expected = nodeGcmEncrypt(key, iv, aad, plaintext);
      expect(Buffer.from(feed(createGcmEncryptor(key, iv, aad), plaintext, pieces)).equals(expected), pieces.join(',')).toBe(true);
      const opened = feed(createGcmDecryptor(key, iv, aad), expected, pieces);
      expect(Buffer.from(opened).equals(plaintext), pieces.join(',')).toBe(true);
    }
  });

  it('for many keys streamed at once, each update taking the tables from the key before (and constant-time streams among them)', () => {
    const rng = new SeededRandom(1903);
    const keys = Array.from({ length: 5 }, () => rng.bytes(32));
    keys.push(keys[0]!); // a second stream of the first key: shares its tables, and outlives the first
    const streams = keys.map((key, index) => {
      const [iv, aad] = [rng.bytes(12), rng.bytes(rng.int(64))];
      const constantTime = index === 2;
      return { key, iv, aad, plaintext: new Uint8Array(0) as Uint8Array, stream: createGcmEncryptor(key, iv, aad, { constantTime }) as Stream, out: [] as Uint8Array[] };
    });
    for (let round = 0; round < 4; round++) {
      for (const s of streams) {
        const chunk = rng.bytes(round % 2 === 0 ? 32 * KiB + rng.int(300) : 1 + rng.int(3000));
        s.plaintext = concat([s.plaintext, chunk]);
        s.out.push(s.stream.update(chunk));
      }
      if (round === 1) { // the first key's first stream ends: its release zeroes the tables the other one uses
        const first = streams.shift()!;
        first.out.push(first.stream.final());
        expect(Buffer.from(concat(first.out)).equals(nodeGcmEncrypt(first.key, first.iv, first.aad, first.plaintext))).toBe(true);
      }
    }
    for (const s of streams) {
      s.out.push(s.stream.final());
      expect(Buffer.from(concat(s.out)).equals(nodeGcmEncrypt(s.key, s.iv, s.aad, s.plaintext))).toBe(true);
    }
  });

  it('for a message under the key whose tables are built, after another key took them and gave them back', () => {
    const rng = new SeededRandom(1904);
    const [a, b] = [rng.bytes(32), rng.bytes(32)];
    for (const key of [a, b, a, a, b]) {
      const [iv, plaintext] = [rng.bytes(12), rng.bytes(48 * KiB + rng.int(999))];
      expect(Buffer.from(gcm(key, iv).encrypt(plaintext)).equals(nodeGcmEncrypt(key, iv, new Uint8Array(0), plaintext))).toBe(true);
    }
  });
});

describe('GHASH byte tables in WASM memory', () => {
  const rng = new SeededRandom(1905);
  const snapshot = (): Buffer => Buffer.from(wasm().bytes());
  const unchangedSince = (before: Buffer): boolean => {
    const now = snapshot();
    return now.subarray(0, before.length).equals(before) && now.subarray(before.length).every((b) => b === 0);
  };

  it('are zeroed when the stream that built them is disposed mid-message, not before', () => {
    const [key, iv] = [rng.bytes(32), rng.bytes(12)];
    const before = snapshot();
    const encryptor = createGcmEncryptor(key, iv);
    encryptor.update(rng.bytes(64 * KiB));
    const during = snapshot();
    expect(unchangedSince(before)).toBe(false);
    encryptor.dispose();
    expect(unchangedSince(before)).toBe(true);
    // What the dispose zeroed was more than the context slot: the 64 KiB of tables (each table
    // entry of 16 bytes nonzero but for the zero byte's).
    const changed = during.reduce((n, byte, i) => n + (byte !== before[i] ? 1 : 0), 0);
    expect(changed).toBeGreaterThan(60 * KiB);
  });

  it('are left alone when a stream of another key is released', () => {
    const [key, other, iv] = [rng.bytes(32), rng.bytes(32), rng.bytes(12)];
    const encryptor = createGcmEncryptor(key, iv);
    const plaintext = rng.bytes(64 * KiB);
    const out = [encryptor.update(plaintext)];
    const afterBuild = snapshot();
    const small = createGcmEncryptor(other, iv); // below the threshold: does not take the tables
    small.update(rng.bytes(100));
    small.final();
    expect(snapshot().equals(afterBuild)).toBe(true);
    out.push(encryptor.final());
    expect(Buffer.from(concat(out)).equals(nodeGcmEncrypt(key, iv, new Uint8Array(0), plaintext))).toBe(true);
  });
});
