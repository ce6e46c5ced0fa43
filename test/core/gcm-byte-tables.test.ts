// GHASH's byte tables (assembly/ghash-byte-tables.ts): one set per WASM instance, built for one
// hash key at a time when a context hashes a long enough run of blocks in one call
// (BYTE_TABLES_MIN_BLOCKS in assembly/gcm.ts: 1536 blocks, 24 KiB), used by every later run of that
// key while they are its own, zeroed when a context of that key is released. What could go wrong:
// a threshold edge, a stream that switches between nibble and byte tables, tables left from
// another key, tables wiped under a live stream of the same key, tables left in memory. Each case
// is checked against node:crypto (or, for memory, byte for byte against a snapshot).
import { describe, expect, it } from 'vitest';
import { gcm } from '../../src/index.js';
import { checkKeysTakingTurns, checkManyKeysAtOnce, checkOtherKeyLeavesTables, checkStreamShapes, checkTablesZeroedOnDispose, checkTablesZeroedWhenDropped } from '../helpers/ghash-table-cases.js';
import { nodeGcmEncrypt } from '../helpers/node-reference.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const KiB = 1024;
/** Text lengths from 16 to 40 KiB: each side of the threshold (24 KiB of whole 256-byte pairs after the first batch). */
const AROUND_THRESHOLD = Array.from({ length: 49 }, (_, i) => 16 * KiB + i * 500 + (i % 17));

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
    checkStreamShapes(rng, {}, shapes);
  });

  it('for many keys streamed at once, each update taking the tables from the key before (and constant-time streams among them)', () => {
    checkManyKeysAtOnce(new SeededRandom(1903), (index) => index === 2);
  });

  it('for a message under the key whose tables are built, after another key took them and gave them back', () => {
    checkKeysTakingTurns(new SeededRandom(1904), {});
  });
});

describe('GHASH byte tables in WASM memory', () => {
  const rng = new SeededRandom(1905);

  // What the dispose zeroes is more than the context slot: the 64 KiB of tables (each table entry
  // of 16 bytes nonzero but for the zero byte's).
  it('are zeroed when the stream that built them is disposed mid-message, not before', () => {
    checkTablesZeroedOnDispose(rng, {}, 60 * KiB);
  });

  it('are left alone when a stream of another key is released', () => {
    checkOtherKeyLeavesTables(rng, {}, 100); // below the threshold: does not take the tables
  });

  it('are zeroed with the slot of a stream that was dropped without dispose, once it is garbage-collected', async () => {
    await checkTablesZeroedWhenDropped(new SeededRandom(1906), {});
  });
});
