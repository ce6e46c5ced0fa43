// The constant-time GHASH in 16 lanes (assembly/ghash-lanes.ts): its tables are one set per WASM
// instance, built for one hash key at a time when a constant-time context hashes a run of at least
// LANES_BUILD_MIN_BLOCKS blocks (128, 2 KiB) in one call, used for runs of 32 blocks or more while
// they are that key's own, zeroed when a context of that key is released. What could go wrong: a
// threshold edge, a run that is not a whole number of lane steps, a stream that switches between
// the lanes and the one-block multiplier, tables left from another key or wiped under a live
// stream of the same key, lanes or tables left in memory. Each case is checked against
// node:crypto (or, for memory, byte for byte against a snapshot).
import { describe, expect, it } from 'vitest';
import { gcm } from '../../src/index.js';
import { checkKeysTakingTurns, checkManyKeysAtOnce, checkOtherKeyLeavesTables, checkStreamShapes, checkTablesZeroedOnDispose, checkTablesZeroedWhenDropped } from '../helpers/ghash-table-cases.js';
import { nodeGcmEncrypt } from '../helpers/node-reference.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const KiB = 1024;
const constantTime = { constantTime: true } as const;
/** Text lengths from 256 B to 4 KiB: both thresholds (512 B and 2 KiB of whole 256-byte pairs) and lengths between lane steps. */
const AROUND_THRESHOLDS = [
  ...Array.from({ length: 40 }, (_, i) => 256 + i * 41),
  ...Array.from({ length: 40 }, (_, i) => 3 * KiB / 2 + i * 67 + (i % 13)),
];

describe('constant-time GCM with GHASH in lanes matches node:crypto', () => {
  it('for one-shot messages of every length around the thresholds, both ways, with AAD below and above them', () => {
    const rng = new SeededRandom(2101);
    for (const length of AROUND_THRESHOLDS) {
      for (const aadLength of [0, 13, 600, 2 * KiB + 5, 9 * KiB + 256]) {
        const [key, iv, aad, plaintext] = [rng.bytes(32), rng.bytes(12), rng.bytes(aadLength), rng.bytes(length)];
        const expected = nodeGcmEncrypt(key, iv, aad, plaintext);
        const sealed = gcm(key, iv, aad, constantTime).encrypt(plaintext);
        expect(Buffer.from(sealed).equals(expected), `text ${length}, aad ${aadLength}`).toBe(true);
        expect(Buffer.from(gcm(key, iv, aad, constantTime).decrypt(sealed)).equals(plaintext), `text ${length}, aad ${aadLength}`).toBe(true);
      }
    }
  });

  it('for streams whose updates go below, across and above the thresholds, in any order', () => {
    const rng = new SeededRandom(2102);
    const shapes: number[][] = [
      [100, 40 * KiB, 7, 3 * KiB, 1], // small, then one that builds the tables, then small ones on them
      [2 * KiB + 111, 1, 2 * KiB + 113, 600], // just at the edge, twice, then just above the lower one
      [5, 1500, 1500, 1500], // below the build threshold every time: the one-block multiplier only
      [64 * KiB + 3, 17, 64 * KiB - 17, 200 * KiB], // lanes, a partial block, lanes again
      [16, 4096, 4096 + 16 * 15, 4096 + 16 * 17], // lane steps and the blocks left after them
    ];
    checkStreamShapes(rng, constantTime, shapes);
  });

  it('for many keys streamed at once, each update taking the tables from the key before (and default streams among them)', () => {
    checkManyKeysAtOnce(new SeededRandom(2103), (index) => index !== 2);
  });

  it('for a message under the key whose tables are built, after another key took them and gave them back', () => {
    checkKeysTakingTurns(new SeededRandom(2104), constantTime);
  });
});

describe('GHASH lanes in WASM memory', () => {
  const rng = new SeededRandom(2105);

  // What the dispose zeroes is more than the context slot: the 8 KiB of tables (of each 16-byte
  // table row, only the zero nibble's entry is zero).
  it('are zeroed when the stream that built their tables is disposed mid-message, not before', () => {
    checkTablesZeroedOnDispose(rng, constantTime, 7 * KiB);
  });

  it('are left alone when a stream of another key is released', () => {
    checkOtherKeyLeavesTables(rng, constantTime, KiB); // below the build threshold: does not take the tables
  });

  it('are zeroed with the slot of a stream that was dropped without dispose, once it is garbage-collected', async () => {
    await checkTablesZeroedWhenDropped(new SeededRandom(2106), constantTime);
  });
});
