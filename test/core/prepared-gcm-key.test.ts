// A GCM key prepared once for many messages (PreparedGcmKey, preparedGcm): every message is the
// one the key itself gives (checked against node:crypto), tampering fails as it does there, and
// dispose() zeroes the key's slot, after which the key refuses to be used.
import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { gcm, preparedGcm } from '../../src/core/gcm.js';
import { GcmState, PreparedGcmKey } from '../../src/core/gcm-state.js';
import { wasm } from '../../src/core/wasm-runtime.js';
import { AuthenticationError, CipherStateError } from '../../src/core/errors.js';
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

  describe('short messages (sealShort, openShort)', () => {
    it('under two keys in turn, each message as node:crypto gives it', () => {
      const raws = [rng.bytes(32), rng.bytes(32)];
      const keys = raws.map((raw) => new PreparedGcmKey(raw));
      for (let i = 0; i < 20; i++) {
        const which = i % 3 === 0 ? 1 : 0;
        const [iv, aad, plaintext] = [rng.bytes(12), rng.bytes(i * 7), rng.bytes(1 + i * 13)];
        const sealed = new Uint8Array(plaintext.length + 16);
        keys[which]!.sealShort(iv, aad, plaintext, sealed, 0);
        expect(sealed).toEqual(nodeSeal(raws[which]!, iv, aad, plaintext));
        expect(() => keys[1 - which]!.openShort(iv, aad, sealed, new Uint8Array(plaintext.length), 0)).toThrow(AuthenticationError);
      }
      for (const key of keys) key.dispose();
    });

    it('seal into and open from a larger array exactly as node:crypto does, with AAD of any size', () => {
      const raw = rng.bytes(32);
      const prepared = new PreparedGcmKey(raw);
      try {
        for (const [aadLength, textLength] of [[0, 0], [0, 1], [33, 32], [35, 4096], [70_000, 17], [131_072, 65_536]] as const) {
          const iv = rng.bytes(12);
          const aad = rng.bytes(aadLength);
          const plaintext = rng.bytes(textLength);
          const output = rng.bytes(5 + textLength + 16 + 3);
          const around = [output.slice(0, 5), output.slice(-3)];
          prepared.sealShort(iv, aad, plaintext, output, 5);
          expect(output.subarray(5, -3)).toEqual(nodeSeal(raw, iv, aad, plaintext));
          expect([output.slice(0, 5), output.slice(-3)]).toEqual(around);
          const opened = new Uint8Array(textLength + 2);
          prepared.openShort(iv, aad, output.subarray(5, -3), opened, 2);
          expect(opened.subarray(2)).toEqual(plaintext);
          expect(opened.subarray(0, 2)).toEqual(new Uint8Array(2));
        }
      } finally {
        prepared.dispose();
      }
    });

    it('refuse any flipped byte of the sealed message, the AAD or the IV with AuthenticationError, leaving the output zeroed', () => {
      const prepared = new PreparedGcmKey(rng.bytes(32));
      const iv = rng.bytes(12);
      const aad = rng.bytes(33);
      const plaintext = rng.bytes(32);
      const sealed = new Uint8Array(48);
      prepared.sealShort(iv, aad, plaintext, sealed, 0);
      const refused = (iv: Uint8Array, aad: Uint8Array, sealed: Uint8Array) => {
        const output = new Uint8Array(32);
        expect(() => prepared.openShort(iv, aad, sealed, output, 0)).toThrow(AuthenticationError);
        expect(output).toEqual(new Uint8Array(32));
      };
      for (let i = 0; i < sealed.length; i++) {
        const bad = sealed.slice();
        bad[i]! ^= 1;
        refused(iv, aad, bad);
      }
      const badAad = aad.slice();
      badAad[32]! ^= 0x80;
      refused(iv, badAad, sealed);
      const badIv = iv.slice();
      badIv[0]! ^= 1;
      refused(badIv, aad, sealed);
      prepared.dispose();
    });

    it('leave no text, AAD or message state in WASM memory, and refuse once the key is disposed, its message slot zeroed', () => {
      const prepared = new PreparedGcmKey(rng.bytes(32));
      const runtime = wasm();
      const plaintext = rng.bytes(64);
      const sealed = new Uint8Array(80);
      prepared.sealShort(rng.bytes(12), rng.bytes(40), plaintext, sealed, 0);
      expect(runtime.bytes().subarray(runtime.io, runtime.io + 64).every((b) => b === 0)).toBe(true);
      const messageSlot = (prepared as unknown as { messageSlot: number }).messageSlot;
      const { core } = runtime;
      const slot = (from: number, to: number) => runtime.bytes().slice(messageSlot + from, messageSlot + to);
      expect(slot(core.gcmHashOffset(), core.contextBytes()).every((b) => b === 0)).toBe(true); // the message's state
      expect(slot(0, core.gcmHashOffset()).some((b) => b !== 0)).toBe(true); // the key's set-up, kept for the next message
      prepared.dispose();
      expect(slot(0, core.contextBytes()).every((b) => b === 0)).toBe(true);
      expect(() => prepared.sealShort(rng.bytes(12), new Uint8Array(0), plaintext, sealed, 0)).toThrow(CipherStateError);
      expect(() => prepared.openShort(rng.bytes(12), new Uint8Array(0), sealed, plaintext, 0)).toThrow(CipherStateError);
    });

    it('check their inputs, naming them, before writing anything', () => {
      const prepared = new PreparedGcmKey(rng.bytes(32));
      const output = new Uint8Array(64);
      expect(() => prepared.sealShort(rng.bytes(16), new Uint8Array(0), rng.bytes(8), output, 0)).toThrow(/iv: expected 12 bytes/);
      expect(() => prepared.sealShort(rng.bytes(12), 'aad' as never, rng.bytes(8), output, 0)).toThrow(/aad/);
      expect(() => prepared.sealShort(rng.bytes(12), new Uint8Array(0), new Uint8Array(65_537), new Uint8Array(70_000), 0)).toThrow(/plaintext: a short message holds at most 65536 bytes/);
      expect(() => prepared.sealShort(rng.bytes(12), new Uint8Array(0), rng.bytes(49), output, 0)).toThrow(/offset: expected room for 65 bytes/);
      expect(() => prepared.sealShort(rng.bytes(12), new Uint8Array(0), rng.bytes(8), output, -1)).toThrow(/offset/);
      expect(() => prepared.openShort(rng.bytes(12), new Uint8Array(0), rng.bytes(15), output, 0)).toThrow(/ciphertext: expected at least the 16-byte tag/);
      expect(() => prepared.openShort(rng.bytes(12), new Uint8Array(0), rng.bytes(40), output, 50)).toThrow(/offset: expected room for 24 bytes/);
      expect(output).toEqual(new Uint8Array(64));
      prepared.dispose();
    });
  });
});
