// The Wycheproof known-answer checks, written without Node or vitest so the same code runs in
// Node (test/core/*-wycheproof.test.ts) and in Chromium (test/browser/). Each check throws on failure.

import type * as KmsWasm from '../../src/index.js';

type Library = Pick<typeof KmsWasm, 'gcm' | 'createGcmDecryptor' | 'xts' | 'AuthenticationError' | 'InvalidInputError'>;
type GcmOptions = KmsWasm.GcmOptions;

interface Group<T> { keySize: number; tagSize?: number; tests: T[] }
export interface AeadVector {
  tcId: number; comment: string; flags: string[];
  key: string; iv: string; aad: string; msg: string; ct: string; tag: string;
  result: 'valid' | 'invalid' | 'acceptable';
}
export interface XtsVector {
  tcId: number; comment: string; flags: string[];
  key: string; iv: string; msg: string; ct: string;
  result: 'valid' | 'invalid' | 'acceptable';
}

export function hex(text: string): Uint8Array {
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function expectHex(what: string, actual: Uint8Array, expected: string): void {
  if (toHex(actual) !== expected) throw new Error(`${what}: got ${toHex(actual)}, expected ${expected}`);
}

function expectThrow(what: string, action: () => unknown, type: new (...args: never[]) => Error): void {
  let released: unknown;
  try {
    released = action();
  } catch (error) {
    if (!(error instanceof type)) throw new Error(`${what}: threw ${String(error)}, expected ${type.name}`);
    return;
  }
  throw new Error(`${what}: did not throw; released ${released instanceof Uint8Array ? released.length : 0} bytes`);
}

/** The AES-256 groups of wycheproof_aes_gcm_test.json. */
export function gcmVectors(file: { testGroups: Group<AeadVector>[] }): AeadVector[] {
  return file.testGroups.filter((g) => g.keySize === 256 && g.tagSize === 128).flatMap((g) => g.tests);
}

/** The 512-bit-key (AES-256-XTS) groups of wycheproof_aes_xts_test.json. */
export function xtsVectors(file: { testGroups: Group<XtsVector>[] }): XtsVector[] {
  return file.testGroups.filter((g) => g.keySize === 512).flatMap((g) => g.tests);
}

/** Checks one vector with the given options (`{ constantTime: true }` for the table-free GHASH). */
export function checkGcmVector(lib: Library, v: AeadVector, options?: GcmOptions): void {
  const [key, iv, aad, msg] = [hex(v.key), hex(v.iv), hex(v.aad), hex(v.msg)];
  const sealed = concat(hex(v.ct), hex(v.tag));
  if (iv.length === 0) {
    expectThrow('empty IV', () => lib.gcm(key, iv, aad, options), lib.InvalidInputError);
  } else if (v.result === 'valid') {
    expectHex('encrypt', lib.gcm(key, iv, aad, options).encrypt(msg), toHex(sealed));
    expectHex('decrypt', lib.gcm(key, iv, aad, options).decrypt(sealed), v.msg);
    const stream = lib.createGcmDecryptor(key, iv, aad, options);
    expectHex('stream decrypt', concat(stream.update(sealed), stream.final()), v.msg);
  } else {
    expectThrow('decrypt', () => lib.gcm(key, iv, aad, options).decrypt(sealed), lib.AuthenticationError);
    const stream = lib.createGcmDecryptor(key, iv, aad, options);
    stream.update(sealed);
    expectThrow('stream final', () => stream.final(), lib.AuthenticationError);
  }
}

/** Wycheproof gives the tweak as a little-endian number of ivSize bits; XTS takes all 16 bytes. */
export function checkXtsVector(lib: Library, v: XtsVector): void {
  const tweak = new Uint8Array(16);
  tweak.set(hex(v.iv));
  const cipher = lib.xts(hex(v.key));
  try {
    if (v.result === 'valid') {
      expectHex('encrypt', cipher.encrypt(hex(v.msg), tweak), v.ct);
      expectHex('decrypt', cipher.decrypt(hex(v.ct), tweak), v.msg);
    } else {
      expectThrow('decrypt', () => cipher.decrypt(hex(v.ct), tweak), Error);
    }
  } finally {
    cipher.dispose();
  }
}

export function describeVector(v: { tcId: number; result: string; flags: string[]; comment: string }): string {
  return `tcId ${v.tcId} ${v.result} [${v.flags.join(',')}] ${v.comment}`;
}
