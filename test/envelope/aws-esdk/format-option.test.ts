// encryptMessage / encryptStream with `format: 'aws-esdk'` write the AWS Encryption SDK's message
// format from the same KMS materials as kms-wasm's own envelope, and decryptMessage / decryptStream
// read either format: a message written this way is what the Encryption SDK's AWS KMS keyring writes,
// so @aws-crypto/client-node decrypts it with a KMS keyring on the same KMS, and the reverse.

import { buildClient, CommitmentPolicy } from '@aws-crypto/client-node';
import { describe, expect, it } from 'vitest';
import { decryptMessage, decryptStream, encryptMessage, encryptStream, kmsDataKeyResolver, kmsEncryptionMaterials } from '../../../src/index.js';
import { kmsPair } from '../../helpers/aws-esdk-keyrings.js';
import { SeededRandom } from '../../helpers/seeded-random.js';

const esdk = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
const rng = new SeededRandom(4478);
const context = { purpose: 'format option', tenant: 'a' };

async function through(stream: TransformStream<Uint8Array, Uint8Array>, input: Uint8Array, chunk: number): Promise<Uint8Array> {
  const writer = stream.writable.getWriter();
  const reading = (async () => {
    const parts: Uint8Array[] = [];
    for await (const part of stream.readable as unknown as AsyncIterable<Uint8Array>) parts.push(part);
    return new Uint8Array(Buffer.concat(parts));
  })();
  for (let at = 0; at < input.length; at += chunk) await writer.write(input.subarray(at, at + chunk));
  await writer.close();
  return reading;
}

describe("format: 'aws-esdk'", () => {
  it('a message kms-wasm writes from KMS materials decrypts with the Encryption SDK, and one it writes decrypts with kms-wasm', async () => {
    const { kms, keyArn, theirs } = await kmsPair();
    for (const size of [0, 1, 4095, 4096, 4097, 100_000]) {
      const plaintext = rng.bytes(size);
      const materials = await kmsEncryptionMaterials(kms, { KeyId: keyArn, EncryptionContext: context });
      const message = encryptMessage(materials, plaintext, { format: 'aws-esdk' });
      expect(message[0]).toBe(0x02); // message format version 2
      const opened = await esdk.decrypt(theirs, message);
      expect(Buffer.from(opened.plaintext).equals(Buffer.from(plaintext))).toBe(true);
      expect(opened.messageHeader.encryptionContext).toMatchObject(context);
      expect(opened.messageHeader.encryptedDataKeys.map((k) => [k.providerId, k.providerInfo])).toEqual([['aws-kms', keyArn]]);

      const { result } = await esdk.encrypt(theirs, plaintext, { encryptionContext: context });
      expect(Buffer.from(await decryptMessage(kmsDataKeyResolver(kms), result)).equals(Buffer.from(plaintext))).toBe(true);
      expect(Buffer.from(await decryptMessage(kmsDataKeyResolver(kms), message)).equals(Buffer.from(plaintext))).toBe(true);
    }
  });

  it('streams in either format; decryptStream tells them apart by the first byte, however the message is cut', async () => {
    const { kms, keyArn } = await kmsPair();
    const plaintext = rng.bytes(50_000);
    for (const format of ['kms-wasm', 'aws-esdk'] as const) {
      const message = await through(encryptStream(await kmsEncryptionMaterials(kms, { KeyId: keyArn, EncryptionContext: context }), { format }), plaintext, 7_000);
      expect(message[0]).toBe(format === 'aws-esdk' ? 0x02 : 'K'.charCodeAt(0));
      for (const chunk of [1, 333, message.length]) {
        expect(Buffer.from(await through(decryptStream(kmsDataKeyResolver(kms)), message, chunk)).equals(Buffer.from(plaintext))).toBe(true);
      }
    }
  });

  it('the default stays the kms-wasm envelope; a flipped byte of an Encryption SDK message fails and releases nothing; bad options are refused', async () => {
    const { kms, keyArn } = await kmsPair();
    const materials = () => kmsEncryptionMaterials(kms, { KeyId: keyArn, EncryptionContext: context });
    expect(new TextDecoder().decode(encryptMessage(await materials(), rng.bytes(10)).subarray(0, 4))).toBe('KWE1');
    const message = encryptMessage(await materials(), rng.bytes(5000), { format: 'aws-esdk' });
    for (let at = 0; at < message.length; at += 97) {
      const tampered = message.slice();
      tampered[at]! ^= 0x01;
      await expect(decryptMessage(kmsDataKeyResolver(kms), tampered)).rejects.toThrow();
    }
    expect(() => encryptMessage({ dataKey: new Uint8Array(32), encryptionContext: {}, wrappedKeys: [] }, new Uint8Array(1), { format: 'aws-esdk' })).toThrow(/wrappedKeys/);
    await expect(async () => encryptMessage(await materials(), new Uint8Array(1), { format: 'aws-esdk', frameBytes: 1024 })).rejects.toThrow(/frameBytes/);
    await expect(async () => encryptMessage(await materials(), new Uint8Array(1), { format: 'esdk' as 'aws-esdk' })).rejects.toThrow(/format/);
  });
});
