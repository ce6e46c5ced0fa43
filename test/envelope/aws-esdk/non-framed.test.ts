// Non-framed bodies (content type 01), which the Encryption SDK for JavaScript does not write but
// its Java, Python and C siblings can: messages built here with node:crypto alone, field by field
// from data-format/message-header.md and message-body.md (an implementation independent of ours),
// and decrypted by kms-wasm.

import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AuthenticationError, decryptAwsEsdkMessage, MessageFormatError } from '../../../src/index.js';
import { SeededRandom } from '../../helpers/seeded-random.js';
import { expectRefused, fixedKeyring } from './helpers.js';

const rng = new SeededRandom(1701);
const u16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
const u32 = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };
const u64 = (n: number) => { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(n)); return b; };
const field = (b: Buffer) => Buffer.concat([u16(b.length), b]);

function seal(key: Buffer, iv: Buffer, aad: Buffer, plaintext: Buffer): { ciphertext: Buffer; tag: Buffer } {
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(aad);
  return { ciphertext: Buffer.concat([cipher.update(plaintext), cipher.final()]), tag: cipher.getAuthTag() };
}

/** A non-framed message of format 1.0 (suite 0x0178) or 2.0 (suite 0x0478) around `plaintext`. */
function nonFramedMessage(version: 1 | 2, dataKey: Buffer, plaintext: Buffer, context: Record<string, string>): Buffer {
  const suiteId = version === 1 ? 0x0178 : 0x0478;
  const messageId = randomBytes(version === 1 ? 16 : 32);
  const pairs = Object.entries(context).sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const aad = pairs.length === 0 ? Buffer.alloc(0) : Buffer.concat([u16(pairs.length), ...pairs.flatMap(([k, v]) => [field(Buffer.from(k)), field(Buffer.from(v))])]);
  const edk = Buffer.concat([u16(1), field(Buffer.from('fixed')), field(Buffer.from([1])), field(Buffer.from([2]))]);
  let key: Buffer;
  let header: Buffer;
  if (version === 1) {
    key = Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), Buffer.concat([u16(suiteId), messageId]), 32));
    header = Buffer.concat([Buffer.from([1, 0x80]), u16(suiteId), messageId, u16(aad.length), aad, edk, Buffer.from([1]), u32(0), Buffer.from([12]), u32(0)]);
  } else {
    key = Buffer.from(hkdfSync('sha512', dataKey, messageId, Buffer.concat([u16(suiteId), Buffer.from('DERIVEKEY')]), 32));
    const commitKey = Buffer.from(hkdfSync('sha512', dataKey, messageId, Buffer.from('COMMITKEY'), 32));
    header = Buffer.concat([Buffer.from([2]), u16(suiteId), messageId, u16(aad.length), aad, edk, Buffer.from([1]), u32(0), commitKey]);
  }
  const headerIv = Buffer.alloc(12);
  const headerAuth = seal(key, headerIv, header, Buffer.alloc(0)).tag;
  const bodyIv = randomBytes(12);
  const bodyAad = Buffer.concat([messageId, Buffer.from('AWSKMSEncryptionClient Single Block'), u32(1), u64(plaintext.length)]);
  const { ciphertext, tag } = seal(key, bodyIv, bodyAad, plaintext);
  return Buffer.concat([header, ...(version === 1 ? [headerIv] : []), headerAuth, bodyIv, u64(plaintext.length), ciphertext, tag]);
}

describe('non-framed Encryption SDK messages', () => {
  for (const version of [1, 2] as const) {
    it(`format ${version}.0: decrypts at several sizes; a changed byte or a cut fails`, async () => {
      const dataKey = Buffer.from(rng.bytes(32));
      const keyring = fixedKeyring(new Uint8Array(dataKey));
      const commitmentPolicy = 'REQUIRE_ENCRYPT_ALLOW_DECRYPT' as const;
      for (const size of [0, 1, 15, 16, 17, 4096, 100_003]) {
        const plaintext = Buffer.from(rng.bytes(size));
        const context: Record<string, string> = size % 2 ? { a: 'b', size: String(size) } : {};
        const message = nonFramedMessage(version, dataKey, plaintext, context);
        const { plaintext: opened, messageHeader } = await decryptAwsEsdkMessage(message, { keyring, commitmentPolicy });
        expect(Buffer.from(opened).equals(plaintext), `size ${size}`).toBe(true);
        expect(messageHeader.contentType).toBe(1);
        expect(messageHeader.encryptionContext).toEqual(context);
      }
      const message = nonFramedMessage(version, dataKey, Buffer.from(rng.bytes(64)), { a: 'b' });
      const changed = Buffer.from(message);
      changed[changed.length - 30]! ^= 1;
      await expectRefused(changed, { keyring, commitmentPolicy }, 'changed ciphertext', AuthenticationError);
      await expectRefused(message.subarray(0, message.length - 1), { keyring, commitmentPolicy }, 'cut', MessageFormatError);
    });
  }
});
