// Cases shared by the tests of GHASH's static tables for long runs (the byte tables of the default
// GHASH, the lane tables of the constant-time one): both are one set per WASM instance, built for
// one hash key at a time, so what could go wrong is the same — streams fed in pieces that cross
// the thresholds, keys taking the tables from each other, and tables left in memory. Every case
// checks its bytes against node:crypto (or memory against a snapshot).
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { expect } from 'vitest';
import { createGcmDecryptor, createGcmEncryptor, gcm, type GcmOptions } from '../../src/index.js';
import { wasm } from '../../src/core/wasm-runtime.js';
import { concat } from './bytes.js';
import { nodeGcmEncrypt } from './node-reference.js';
import type { SeededRandom } from './seeded-random.js';

const KiB = 1024;

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

/**
 * For each shape (update lengths; the rest of the text in one last update), a stream of `options`
 * encrypts and another decrypts in those pieces, with a 12- or 40-byte IV and up to 99 bytes of AAD.
 */
export function checkStreamShapes(rng: SeededRandom, options: GcmOptions, shapes: number[][]): void {
  for (const pieces of shapes) {
    const [key, iv, aad] = [rng.bytes(32), rng.bytes(rng.int(2) === 0 ? 12 : 40), rng.bytes(rng.int(100))];
    const plaintext = rng.bytes(pieces.reduce((a, b) => a + b, 0) + rng.int(5000));
    const expected = nodeGcmEncrypt(key, iv, aad, plaintext);
    expect(Buffer.from(feed(createGcmEncryptor(key, iv, aad, options), plaintext, pieces)).equals(expected), pieces.join(',')).toBe(true);
    const opened = feed(createGcmDecryptor(key, iv, aad, options), expected, pieces);
    expect(Buffer.from(opened).equals(plaintext), pieces.join(',')).toBe(true);
  }
}

/**
 * Six streams at once, five keys (the first key twice: the second stream shares its tables and
 * outlives the first), each update taking the tables from the key before; stream `index` is
 * constant-time if `constantTimeOf(index)`.
 */
export function checkManyKeysAtOnce(rng: SeededRandom, constantTimeOf: (index: number) => boolean): void {
  const keys = Array.from({ length: 5 }, () => rng.bytes(32));
  keys.push(keys[0]!);
  const streams = keys.map((key, index) => {
    const [iv, aad] = [rng.bytes(12), rng.bytes(rng.int(64))];
    const stream: Stream = createGcmEncryptor(key, iv, aad, { constantTime: constantTimeOf(index) });
    return { key, iv, aad, plaintext: new Uint8Array(0) as Uint8Array, stream, out: [] as Uint8Array[] };
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
}

/** One-shot messages of 48 KiB and more under two keys in turn (a, b, a, a, b): each takes the tables back. */
export function checkKeysTakingTurns(rng: SeededRandom, options: GcmOptions): void {
  const [a, b] = [rng.bytes(32), rng.bytes(32)];
  for (const key of [a, b, a, a, b]) {
    const [iv, plaintext] = [rng.bytes(12), rng.bytes(48 * KiB + rng.int(999))];
    expect(Buffer.from(gcm(key, iv, undefined, options).encrypt(plaintext)).equals(nodeGcmEncrypt(key, iv, new Uint8Array(0), plaintext))).toBe(true);
  }
}

/** All of the WASM core's memory, to compare before and after. */
export const memorySnapshot = (): Buffer => Buffer.from(wasm().bytes());

/** Whether memory holds what it held at `before`, and zeros where it has grown since. */
export function memoryUnchangedSince(before: Buffer): boolean {
  const now = memorySnapshot();
  return now.subarray(0, before.length).equals(before) && now.subarray(before.length).every((b) => b === 0);
}

/**
 * A stream of `options` fed 64 KiB builds tables that differ from `before` in more than `tableBytes`
 * bytes, and its dispose mid-message zeroes them: memory is as it was before.
 */
export function checkTablesZeroedOnDispose(rng: SeededRandom, options: GcmOptions, tableBytes: number): void {
  const [key, iv] = [rng.bytes(32), rng.bytes(12)];
  const before = memorySnapshot();
  const encryptor = createGcmEncryptor(key, iv, undefined, options);
  encryptor.update(rng.bytes(64 * KiB));
  const during = memorySnapshot();
  expect(memoryUnchangedSince(before)).toBe(false);
  encryptor.dispose();
  expect(memoryUnchangedSince(before)).toBe(true);
  const changed = during.reduce((n, byte, i) => n + (byte !== before[i] ? 1 : 0), 0);
  expect(changed).toBeGreaterThan(tableBytes);
}

/**
 * While a stream of `options` holds the tables, a stream of another key fed `smallBytes` (below the
 * build threshold) ends without touching memory outside its slot's zeroing; the first stream's
 * bytes still match node:crypto.
 */
export function checkOtherKeyLeavesTables(rng: SeededRandom, options: GcmOptions, smallBytes: number): void {
  const [key, other, iv] = [rng.bytes(32), rng.bytes(32), rng.bytes(12)];
  const encryptor = createGcmEncryptor(key, iv, undefined, options);
  const plaintext = rng.bytes(64 * KiB);
  const out = [encryptor.update(plaintext)];
  const afterBuild = memorySnapshot();
  const small = createGcmEncryptor(other, iv, undefined, options);
  small.update(rng.bytes(smallBytes));
  small.final();
  expect(memorySnapshot().equals(afterBuild)).toBe(true);
  out.push(encryptor.final());
  expect(Buffer.from(concat(out)).equals(nodeGcmEncrypt(key, iv, new Uint8Array(0), plaintext))).toBe(true);
}

/** V8's `gc()`, which vitest's workers are not started with (`--expose-gc`, set here at run time). */
function exposedGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/**
 * A stream of `options` fed 64 KiB (which builds the tables) and then dropped without dispose():
 * once it is garbage-collected, its slot and the tables are zeroed (FinalizationRegistry callbacks
 * run some time after a collection, so this collects and waits until they have, for up to 5 s).
 */
export async function checkTablesZeroedWhenDropped(rng: SeededRandom, options: GcmOptions): Promise<void> {
  const gc = exposedGc();
  const before = memorySnapshot();
  ((): void => { createGcmEncryptor(rng.bytes(32), rng.bytes(12), undefined, options).update(rng.bytes(64 * KiB)); })();
  expect(memoryUnchangedSince(before)).toBe(false);
  for (let waited = 0; waited < 5000 && !memoryUnchangedSince(before); waited += 20) {
    gc();
    await sleep(20);
  }
  expect(memoryUnchangedSince(before)).toBe(true);
}
