// A GCM key prepared once for many messages (PreparedGcmKey, preparedGcm): every message is the
// one the key itself gives (checked against node:crypto), tampering fails as it does there, and
// dispose() zeroes the key's slot, after which the key refuses to be used.
import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { gcm, preparedGcm } from '../../src/core/gcm.js';
import { GcmState, PreparedGcmKey } from '../../src/core/gcm-state.js';
import { wasm } from '../../src/core/wasm-runtime.js';
import { CipherStateError } from '../../src/core/errors.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const rng = new SeededRandom(2027);

function nodeSeal(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(aad);
  return new Uint8Array(Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]));
}

/** The prepared key's slot, as WASM memory holds it (for the test of zeroing only). */
const slotBytes = (key: PreparedGcmKey) => {
  const slot = (key as unknown as { slot: number }).slot;
  return wasm().bytes().slice(slot, slot + 512);
};

describe('PreparedGcmKey', () => {
  it('seals and opens as the key itself does, message after message, short and long, with any AAD', () => {
    const raw = rng.bytes(32);
    const prepared = new PreparedGcmKey(raw);
    try {
      for (const [aadLength, textLength] of [[0, 1], [33, 32], [60, 100], [0, 255], [300, 4096], [17, 1000]] as const) {
        const iv = rng.bytes(12);
        const aad = rng.bytes(aadLength);
        const plaintext = rng.bytes(textLength);
        const sealed = preparedGcm(prepared, iv, aad).encrypt(plaintext);
        expect(sealed).toEqual(nodeSeal(raw, iv, aad, plaintext));
        expect(sealed).toEqual(gcm(raw, iv, aad, { constantTime: true }).encrypt(plaintext));
        expect(preparedGcm(prepared, iv, aad).decrypt(sealed)).toEqual(plaintext);
        const longIv = rng.bytes(16); // an IV of another length: J0 from GHASH
        expect(preparedGcm(prepared, longIv, aad).encrypt(plaintext)).toEqual(nodeSeal(raw, longIv, aad, plaintext));
      }
    } finally {
      prepared.dispose();
    }
  });

  it('refuses any flipped byte of the sealed message, the AAD or the IV, releasing nothing', () => {
    const prepared = new PreparedGcmKey(rng.bytes(32));
    const iv = rng.bytes(12);
    const aad = rng.bytes(20);
    const sealed = preparedGcm(prepared, iv, aad).encrypt(rng.bytes(40));
    for (let i = 0; i < sealed.length; i++) {
      const bad = sealed.slice();
      bad[i]! ^= 1;
      expect(() => preparedGcm(prepared, iv, aad).decrypt(bad)).toThrow();
    }
    const badAad = aad.slice();
    badAad[0]! ^= 1;
    expect(() => preparedGcm(prepared, iv, badAad).decrypt(sealed)).toThrow();
    const badIv = iv.slice();
    badIv[11]! ^= 1;
    expect(() => preparedGcm(prepared, badIv, aad).decrypt(sealed)).toThrow();
    prepared.dispose();
  });

  it('selects the constant-time GHASH for its messages (no secret-dependent table lookups), whatever gcmDefaults say', () => {
    // The core reads a u32 flag just before the GHASH accumulator (assembly/gcm.ts: CONSTANT_TIME,
    // then X) before each block; both settings of a one-message state show where it is.
    const flagAt = (ctx: number) => new DataView(wasm().bytes().buffer).getUint32(ctx + wasm().core.gcmHashOffset() - 16, true);
    const ctxOf = (state: GcmState) => (state as unknown as { ctx: number }).ctx;
    const key = rng.bytes(32);
    for (const constantTime of [false, true]) {
      const state = GcmState.forMessage(key, rng.bytes(12), new Uint8Array(0), constantTime);
      expect(flagAt(ctxOf(state))).toBe(constantTime ? 1 : 0);
      state.release();
    }
    const prepared = new PreparedGcmKey(key);
    expect(flagAt((prepared as unknown as { slot: number }).slot)).toBe(1);
    prepared.dispose();
  });

  it('dispose zeroes the key\'s slot; the key then refuses to seal or open, and a second dispose does nothing', () => {
    const prepared = new PreparedGcmKey(rng.bytes(32));
    expect(slotBytes(prepared).some((b) => b !== 0)).toBe(true);
    const iv = rng.bytes(12);
    const sealed = preparedGcm(prepared, iv).encrypt(rng.bytes(8));
    prepared.dispose();
    expect(slotBytes(prepared).every((b) => b === 0)).toBe(true);
    expect(() => preparedGcm(prepared, iv).encrypt(rng.bytes(8))).toThrow(CipherStateError);
    expect(() => preparedGcm(prepared, iv).decrypt(sealed)).toThrow(CipherStateError);
    expect(() => prepared.dispose()).not.toThrow();
  });

  it('checks its inputs as gcm does, naming them', () => {
    expect(() => new PreparedGcmKey(rng.bytes(16))).toThrow(/key/);
    const prepared = new PreparedGcmKey(rng.bytes(32));
    expect(() => preparedGcm(prepared, new Uint8Array(0))).toThrow(/iv/);
    expect(() => preparedGcm(prepared, rng.bytes(12), 'aad' as never)).toThrow(/aad/);
    prepared.dispose();
  });
});
