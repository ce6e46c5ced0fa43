// The TypeScript around the GCM core, as a careless caller or an attacker uses it: messages fed to
// the streaming decryptor in every split (tags cut anywhere, empty chunks), messages cut short,
// objects disposed twice, a message past SP 800-38D's length limit, and the part-by-part protocol of
// the worker pool run here, in this thread. Every result is checked against node:crypto.
import { createCipheriv } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuthenticationError, CipherStateError, createGcmDecryptor, createGcmEncryptor, gcm, gcmDefaults, InvalidInputError } from '../../src/index.js';
import { preparedGcm } from '../../src/core/gcm.js';
import { GCM_FULL_TAG_BYTES, GcmState, PreparedGcmKey } from '../../src/core/gcm-state.js';
import { IO_BUFFER_BYTES, wasm } from '../../src/core/wasm-runtime.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const rng = new SeededRandom(2121);

function nodeSeal(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, tagLength = 16): Uint8Array {
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: tagLength }).setAAD(aad);
  return new Uint8Array(Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]));
}

const concat = (pieces: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(pieces));
const snapshot = (): Buffer => Buffer.from(wasm().bytes());
/** True when WASM memory equals `before` (memory that grew since must be all zero). */
function unchangedSince(before: Buffer): boolean {
  const now = snapshot();
  return now.subarray(0, before.length).equals(before) && now.subarray(before.length).every((b) => b === 0);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the streaming decryptor, fed a message in any split', () => {
  it.each([12, 16])('releases exactly the bytes that cannot be tag bytes, for every two-way split (%i-byte tag)', (tagLength) => {
    const [key, iv, aad, plaintext] = [rng.bytes(32), rng.bytes(12), rng.bytes(5), rng.bytes(37)];
    const sealed = nodeSeal(key, iv, aad, plaintext, tagLength);
    for (let cut = 0; cut <= sealed.length; cut++) {
      const stream = createGcmDecryptor(key, iv, aad, { tagLength });
      const first = stream.update(sealed.subarray(0, cut));
      expect(first.length, `cut at ${cut}`).toBe(Math.max(0, cut - tagLength));
      const second = stream.update(sealed.subarray(cut));
      expect(stream.final()).toHaveLength(0);
      expect(Buffer.from(concat([first, second])).equals(plaintext), `cut at ${cut}`).toBe(true);
    }
  });

  it('one byte at a time, with empty chunks between: nothing released while the bytes could be the tag', () => {
    const [key, iv, plaintext] = [rng.bytes(32), rng.bytes(12), rng.bytes(40)];
    const sealed = nodeSeal(key, iv, new Uint8Array(0), plaintext);
    const stream = createGcmDecryptor(key, iv);
    const released: Uint8Array[] = [];
    for (let i = 0; i < sealed.length; i++) {
      expect(stream.update(new Uint8Array(0))).toHaveLength(0);
      const piece = stream.update(sealed.subarray(i, i + 1));
      expect(piece.length, `byte ${i}`).toBe(i < GCM_FULL_TAG_BYTES ? 0 : 1);
      released.push(piece);
    }
    stream.final();
    expect(Buffer.from(concat(released)).equals(plaintext)).toBe(true);
  });

  it('in random splits of messages larger than the I/O buffer', () => {
    for (const length of [IO_BUFFER_BYTES - 1, IO_BUFFER_BYTES + 17, 3 * IO_BUFFER_BYTES]) {
      const [key, iv, aad, plaintext] = [rng.bytes(32), rng.bytes(12), rng.bytes(IO_BUFFER_BYTES + 3), rng.bytes(length)];
      const sealed = nodeSeal(key, iv, aad, plaintext);
      const stream = createGcmDecryptor(key, iv, aad);
      const released: Uint8Array[] = [];
      for (let at = 0; at < sealed.length;) {
        const next = Math.min(sealed.length, at + 1 + rng.int(IO_BUFFER_BYTES + 100));
        released.push(stream.update(sealed.subarray(at, next)));
        at = next;
      }
      stream.final();
      expect(Buffer.from(concat(released)).equals(plaintext), `${length} bytes`).toBe(true);

      const encryptor = createGcmEncryptor(key, iv, aad);
      const pieces = [encryptor.update(plaintext.subarray(0, 1000)), encryptor.update(plaintext.subarray(1000)), encryptor.final()];
      expect(Buffer.from(concat(pieces)).equals(sealed), `${length} bytes encrypted`).toBe(true);
    }
  });

  it('a message cut short fails: before the tag is complete it says so, after that the tag does not verify', () => {
    const [key, iv, plaintext] = [rng.bytes(32), rng.bytes(12), rng.bytes(30)];
    const sealed = nodeSeal(key, iv, new Uint8Array(0), plaintext);
    for (const keep of [0, 1, 15]) {
      const stream = createGcmDecryptor(key, iv);
      stream.update(sealed.subarray(0, keep));
      expect(() => stream.final(), `${keep} bytes`).toThrow(new InvalidInputError('ciphertext', 'ended before the 16-byte tag was complete'));
      // It was disposed on the way out: no further use.
      expect(() => stream.update(new Uint8Array(1))).toThrow(new CipherStateError('This GCM stream has finished or was disposed'));
      expect(() => stream.final()).toThrow(new CipherStateError('This GCM stream has finished or was disposed'));
    }
    for (const keep of [16, 17, sealed.length - 1]) {
      const stream = createGcmDecryptor(key, iv);
      stream.update(sealed.subarray(0, keep));
      expect(() => stream.final(), `${keep} bytes`).toThrow(AuthenticationError);
    }
    const withTwelve = createGcmDecryptor(key, iv, undefined, { tagLength: 12 });
    withTwelve.update(sealed.subarray(0, 11));
    expect(() => withTwelve.final()).toThrow(new InvalidInputError('ciphertext', 'ended before the 12-byte tag was complete'));
  });

  it('the stream, not the computation under it, refuses use after final() or dispose()', () => {
    const [key, iv] = [rng.bytes(32), rng.bytes(12)];
    const finished = new CipherStateError('This GCM stream has finished or was disposed');
    const encryptor = createGcmEncryptor(key, iv);
    encryptor.final();
    expect(() => encryptor.update(new Uint8Array(1))).toThrow(finished);
    expect(() => encryptor.final()).toThrow(finished);
    const decryptor = createGcmDecryptor(key, iv);
    decryptor.update(nodeSeal(key, iv, new Uint8Array(0), new Uint8Array(3)));
    decryptor.final();
    expect(() => decryptor.update(new Uint8Array(1))).toThrow(finished);
    expect(() => decryptor.final()).toThrow(finished);
    const disposed = createGcmDecryptor(key, iv);
    disposed.update(new Uint8Array(20));
    disposed.dispose();
    expect(() => disposed.final()).toThrow(finished);
  });
});

describe('objects disposed more than once', () => {
  it('do not hand one WASM slot to two messages', () => {
    const [key, iv] = [rng.bytes(32), rng.bytes(12)];
    // Each of these releases its slot once, however often it is disposed or finished.
    const encryptor = createGcmEncryptor(key, iv);
    encryptor.final();
    encryptor.dispose();
    encryptor.dispose();
    const prepared = new PreparedGcmKey(key);
    prepared.dispose();
    prepared.dispose();
    // Two messages in flight at once: each must come out as node:crypto makes it.
    const [a, b] = [rng.bytes(50), rng.bytes(50)];
    const [ivA, ivB] = [rng.bytes(12), rng.bytes(12)];
    const streamA = createGcmEncryptor(key, ivA);
    const streamB = createGcmEncryptor(key, ivB);
    const outA = [streamA.update(a.subarray(0, 20))];
    const outB = [streamB.update(b.subarray(0, 20))];
    outA.push(streamA.update(a.subarray(20)), streamA.final());
    outB.push(streamB.update(b.subarray(20)), streamB.final());
    expect(Buffer.from(concat(outA)).equals(nodeSeal(key, ivA, new Uint8Array(0), a))).toBe(true);
    expect(Buffer.from(concat(outB)).equals(nodeSeal(key, ivB, new Uint8Array(0), b))).toBe(true);
  });

  it('a prepared key leaves no key schedule in WASM memory once disposed, and no raw key ever', () => {
    const key = rng.bytes(32);
    const before = snapshot();
    const prepared = new PreparedGcmKey(key);
    expect(unchangedSince(before)).toBe(false);
    expect(snapshot().indexOf(Buffer.from(key)) === -1).toBe(true);
    preparedGcm(prepared, rng.bytes(12)).encrypt(rng.bytes(100));
    prepared.dispose();
    expect(unchangedSince(before)).toBe(true);
    expect(() => preparedGcm(prepared, rng.bytes(12)).encrypt(new Uint8Array(1))).toThrow(new CipherStateError('This prepared GCM key was disposed'));
  });
});

describe('options and inputs', () => {
  it('constantTime must be a boolean; the process-wide default applies when a call leaves it out', () => {
    const [key, iv] = [rng.bytes(32), rng.bytes(12)];
    for (const value of ['true', 1, {}]) {
      expect(() => gcm(key, iv, undefined, { constantTime: value as never })).toThrow(new InvalidInputError('constantTime', `expected a boolean, got ${typeof value}`));
    }
    const modes = vi.spyOn(GcmState, 'forMessage');
    const long = rng.bytes(1024);
    gcm(key, iv).encrypt(long);
    gcmDefaults.constantTime = true;
    try {
      gcm(key, iv).encrypt(long);
      gcm(key, iv, undefined, { constantTime: false }).encrypt(long);
    } finally {
      gcmDefaults.constantTime = false;
    }
    expect(modes.mock.calls.map((args) => args[3])).toEqual([false, true, false]);
  });

  it('a prepared key stands in for the raw key, and checks the IV and AAD as gcm() does', () => {
    const [key, iv, aad, plaintext] = [rng.bytes(32), rng.bytes(16), rng.bytes(7), rng.bytes(33)];
    const prepared = new PreparedGcmKey(key);
    try {
      expect(Buffer.from(preparedGcm(prepared, iv, aad).encrypt(plaintext)).equals(nodeSeal(key, iv, aad, plaintext))).toBe(true);
      expect(() => preparedGcm(prepared, new Uint8Array(0))).toThrow(new InvalidInputError('iv', 'must not be empty (SP 800-38D requires at least 1 bit)'));
      expect(() => preparedGcm(prepared, iv, 'aad' as never)).toThrow(InvalidInputError);
    } finally {
      prepared.dispose();
    }
  });

  it('a ciphertext shorter than the tag names the tag length asked for', () => {
    const [key, iv] = [rng.bytes(32), rng.bytes(12)];
    expect(() => gcm(key, iv, undefined, { tagLength: 12 }).decrypt(new Uint8Array(11)))
      .toThrow(new InvalidInputError('ciphertext', 'expected at least the 12-byte tag, got 11 bytes'));
    expect(gcm(key, iv, undefined, { tagLength: 12 }).decrypt(nodeSeal(key, iv, new Uint8Array(0), new Uint8Array(0), 12))).toHaveLength(0);
  });
});

describe('past the length limit of one key and IV (SP 800-38D §5.2.1.1: 2^39 - 256 bits)', () => {
  // Feeding 64 GiB is out of reach; the pool's parts count towards the limit too, so a part "of"
  // nearly that length is folded in first (its hash is irrelevant: no tag is checked here).
  // The limit written out from the standard, not read from the code under test: 2^39 - 256 bits.
  const LIMIT = (2 ** 39 - 256) / 8;

  it.each([true, false])('a message may hold exactly 2^36 - 32 bytes and no more (encrypting: %s)', (encrypting) => {
    const [key, iv] = [rng.bytes(32), rng.bytes(12)];
    const crypt = (state: GcmState, n: number) => (encrypting ? state.encrypt : state.decrypt).call(state, new Uint8Array(n), new Uint8Array(n), 0);
    const full = GcmState.forMessage(key, iv, new Uint8Array(0), true);
    try {
      full.absorbPart(new Uint8Array(16), LIMIT - 32);
      crypt(full, 16);
      crypt(full, 16);
      expect(() => crypt(full, 1)).toThrow(new InvalidInputError('plaintext', `GCM allows at most ${LIMIT} bytes under one key and IV`));
    } finally {
      full.release();
    }
    const over = GcmState.forMessage(key, iv, new Uint8Array(0), true);
    try {
      over.absorbPart(new Uint8Array(16), LIMIT - 16);
      expect(() => crypt(over, 17)).toThrow(InvalidInputError);
    } finally {
      over.release();
    }
  });
});

/** inc32 (SP 800-38D §6.2) applied `n` times to a counter block. */
function counterAfter(j0: Uint8Array, n: number): Uint8Array {
  const block = j0.slice();
  const view = new DataView(block.buffer);
  view.setUint32(12, (view.getUint32(12) + n) >>> 0);
  return block;
}

describe('a message in parts, as the worker pool computes it (here, in this thread)', () => {
  /** Encrypts or decrypts `input` as parts ending at `cuts` (multiples of 16), then folds the parts' hashes in. */
  function inParts(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, input: Uint8Array, cuts: number[], encrypting: boolean, order = (n: number) => [...Array(n).keys()]) {
    const state = GcmState.forMessage(key, iv, aad, false);
    const j0 = state.preCounterBlock();
    const bounds = [0, ...cuts, input.length];
    const output = new Uint8Array(input.length);
    const hashes: Uint8Array[] = [];
    for (let i = 0; i + 1 < bounds.length; i++) {
      const [start, end] = [bounds[i]!, bounds[i + 1]!];
      const part = GcmState.forPart(key, counterAfter(j0, start / 16 + 1), true);
      (encrypting ? part.encrypt : part.decrypt).call(part, input.subarray(start, end), output, start);
      hashes.push(part.partHash());
    }
    for (const i of order(hashes.length)) state.absorbPart(hashes[i]!, bounds[i + 1]! - bounds[i]!);
    return { output, tag: state.finish() };
  }

  it.each([12, 20])('equals one-shot GCM for parts of 16 bytes up to past the I/O buffer, the last one partial (%i-byte IV)', (ivLength) => {
    const [key, iv, aad] = [rng.bytes(32), rng.bytes(ivLength), rng.bytes(30)];
    const plaintext = rng.bytes(IO_BUFFER_BYTES + 5000 + 7);
    const cuts = [16, 48, 1024, IO_BUFFER_BYTES + 16];
    const sealed = nodeSeal(key, iv, aad, plaintext);
    const encrypted = inParts(key, iv, aad, plaintext, cuts, true);
    expect(Buffer.from(concat([encrypted.output, encrypted.tag])).equals(sealed)).toBe(true);
    const decrypted = inParts(key, iv, aad, sealed.subarray(0, plaintext.length), cuts, false);
    expect(Buffer.from(decrypted.output).equals(plaintext)).toBe(true);
    expect(Buffer.from(decrypted.tag).equals(sealed.subarray(plaintext.length))).toBe(true);
  });

  it('the pre-counter block of a 96-bit IV is IV || 0^31 || 1', () => {
    const iv = rng.bytes(12);
    const state = GcmState.forMessage(rng.bytes(32), iv, new Uint8Array(0), true);
    expect([...state.preCounterBlock()]).toEqual([...iv, 0, 0, 0, 1]);
    state.release();
  });

  it('parts folded in another order give another tag (a reordered message does not verify)', () => {
    const [key, iv, aad] = [rng.bytes(32), rng.bytes(12), rng.bytes(3)];
    const plaintext = rng.bytes(96);
    const right = inParts(key, iv, aad, plaintext, [32, 64], true);
    const swapped = inParts(key, iv, aad, plaintext, [32, 64], true, () => [1, 0, 2]);
    expect(Buffer.from(right.tag).equals(swapped.tag)).toBe(false);
  });

  it('a part releases its slot once hashed: memory is as it was, and the part refuses further use', () => {
    const key = rng.bytes(32);
    const warmUp = GcmState.forPart(key, counterAfter(new Uint8Array(16), 2), true);
    warmUp.encrypt(rng.bytes(64), new Uint8Array(64), 0);
    warmUp.partHash();
    const before = snapshot();
    const part = GcmState.forPart(key, counterAfter(new Uint8Array(16), 2), true);
    part.encrypt(rng.bytes(64), new Uint8Array(64), 0);
    part.partHash();
    expect(unchangedSince(before)).toBe(true);
    expect(() => part.partHash()).toThrow(new CipherStateError('This GCM computation has finished or was disposed'));
    expect(() => part.absorbPart(new Uint8Array(16), 16)).toThrow(CipherStateError);
  });
});
