// A one-shot message under SHORT_MESSAGE_BYTES of AAD and text hashes without tables whatever the
// options say (the tables' setup costs more than they save there); longer ones follow the options.
import { createCipheriv } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { gcm } from '../../src/index.js';
import { openInto, sealInto, SHORT_MESSAGE_BYTES } from '../../src/core/gcm.js';
import { GcmState } from '../../src/core/gcm-state.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const rng = new SeededRandom(1919);
const key = rng.bytes(32);
const iv = rng.bytes(12);

function nodeSeal(aad: Uint8Array, plaintext: Uint8Array): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(aad);
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

/** The constantTime argument of every GcmState the call made. */
function ghashModes(call: () => void): boolean[] {
  const spy = vi.spyOn(GcmState, 'forMessage');
  call();
  return spy.mock.calls.map((args) => args[3]);
}

afterEach(() => { vi.restoreAllMocks(); });

describe('short one-shot GCM messages', () => {
  it.each([
    ['no text, no AAD: no tables', 0, 0, true],
    ['text just under the limit: no tables', SHORT_MESSAGE_BYTES - 1, 0, true],
    ['AAD and text just under the limit: no tables', SHORT_MESSAGE_BYTES - 21, 20, true],
    ['text at the limit: tables', SHORT_MESSAGE_BYTES, 0, false],
    ['AAD and text at the limit: tables', SHORT_MESSAGE_BYTES - 20, 20, false],
  ])('%s', (_name, textBytes, aadBytes, constantTime) => {
    const [aad, plaintext] = [rng.bytes(aadBytes), rng.bytes(textBytes)];
    let sealed: Uint8Array = new Uint8Array(0);
    expect(ghashModes(() => { sealed = gcm(key, iv, aad).encrypt(plaintext); })).toEqual([constantTime]);
    expect(Buffer.from(sealed).equals(nodeSeal(aad, plaintext))).toBe(true);
    let opened: Uint8Array = new Uint8Array(0);
    expect(ghashModes(() => { opened = gcm(key, iv, aad).decrypt(sealed); })).toEqual([constantTime]);
    expect(Buffer.from(opened).equals(plaintext)).toBe(true);
    const out = new Uint8Array(sealed.length);
    expect(ghashModes(() => sealInto(key, iv, aad, plaintext, out, 0))).toEqual([constantTime]);
    expect(ghashModes(() => openInto(key, iv, aad, out, new Uint8Array(textBytes), 0))).toEqual([constantTime]);
  });

  it('a long message keeps constant-time GHASH when asked for', () => {
    const plaintext = rng.bytes(SHORT_MESSAGE_BYTES * 2);
    expect(ghashModes(() => gcm(key, iv, undefined, { constantTime: true }).encrypt(plaintext))).toEqual([true]);
  });
});
