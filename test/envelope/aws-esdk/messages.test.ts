// The Encryption SDK format's own behaviour: round trips in one piece and as streams in random
// splits, what signed and unsigned messages release and when, commitment policies, limits, and
// the argument checks.

import { describe, expect, it } from 'vitest';
import {
  awsEsdkDecryptStream, awsEsdkEncryptStream, CommitmentPolicyError, createAwsEsdkDecryptor, createAwsEsdkEncryptor, decryptAwsEsdkMessage,
  encryptAwsEsdkMessage, InvalidInputError, KeyringError, MessageFormatError, MultiKeyring,
} from '../../../src/index.js';
import { decodeHeader } from '../../../src/envelope/aws-esdk/header-codec.js';
import { concat } from '../../helpers/bytes.js';
import { SeededRandom } from '../../helpers/seeded-random.js';
import { rawAesPair } from '../../helpers/aws-esdk-keyrings.js';
import { expectRefused } from './helpers.js';

const rng = new SeededRandom(578);

/** `bytes` cut into pieces of random sizes (0 included). */
function randomSplits(bytes: Uint8Array, maxPiece: number): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  for (let at = 0; at < bytes.length;) {
    const n = rng.int(maxPiece + 1);
    pieces.push(bytes.subarray(at, at + n));
    at += n;
  }
  return pieces;
}

async function throughStream(pieces: Uint8Array[], transform: TransformStream<Uint8Array, Uint8Array>): Promise<Uint8Array> {
  const out: Uint8Array[] = [];
  const readable = new ReadableStream<Uint8Array>({ start(c) { for (const p of pieces) c.enqueue(p); c.close(); } }).pipeThrough(transform);
  for await (const chunk of readable as unknown as AsyncIterable<Uint8Array>) out.push(chunk);
  return concat(out);
}

describe('Encryption SDK messages: round trips and streaming', () => {
  it('streams in random splits decrypt what one-shot calls encrypt and the reverse, at frame-boundary sizes', async () => {
    const { ours } = rawAesPair();
    for (const suiteId of [0x0478, 0x0578]) {
      for (const frameLength of [1, 7, 4096]) {
        for (const size of [0, 1, frameLength - 1, frameLength, frameLength + 1, 5 * frameLength + 3, 20_011]) {
          if (size < 0 || (frameLength === 1 && size > 300)) continue;
          const plaintext = rng.bytes(size);
          const options = { keyring: ours, encryptionContext: { size: String(size) }, suiteId, frameLength };
          const { message } = await encryptAwsEsdkMessage(plaintext, options);
          expect(await throughStream(randomSplits(message, 2 * frameLength + 40), awsEsdkDecryptStream({ keyring: ours })), `${suiteId}/${frameLength}/${size}`).toEqual(plaintext);
          const streamed = await throughStream(randomSplits(plaintext, 3 * frameLength), awsEsdkEncryptStream(options));
          expect((await decryptAwsEsdkMessage(streamed, { keyring: ours })).plaintext).toEqual(plaintext);
        }
      }
    }
  });

  it('an unsigned message releases each frame as it authenticates; a signed one only after its signature', async () => {
    const { ours } = rawAesPair();
    const plaintext = rng.bytes(64 * 1024);
    for (const [suiteId, releasesEarly] of [[0x0478, true], [0x0578, false]] as const) {
      const { message } = await encryptAwsEsdkMessage(plaintext, { keyring: ours, suiteId, frameLength: 1024 });
      const decryptor = createAwsEsdkDecryptor({ keyring: ours });
      const early = await decryptor.update(message.subarray(0, message.length >> 1));
      expect(early.length > 0).toBe(releasesEarly);
      const rest = await decryptor.update(message.subarray(message.length >> 1));
      expect(concat([early, rest, await decryptor.final()])).toEqual(plaintext);
    }
  });

  it('the encryptor holds at most one frame: update returns every full frame at once', async () => {
    const { ours } = rawAesPair();
    const encryptor = await createAwsEsdkEncryptor({ keyring: ours, frameLength: 100 });
    const headerBytes = encryptor.update(new Uint8Array(0)).length;
    expect(headerBytes).toBeGreaterThan(0);
    expect(encryptor.update(new Uint8Array(99)).length).toBe(0);
    expect(encryptor.update(new Uint8Array(1)).length).toBe(4 + 12 + 100 + 16);
    expect(encryptor.update(new Uint8Array(250)).length).toBe(2 * (4 + 12 + 100 + 16));
    expect(encryptor.final().length).toBe(4 + 4 + 12 + 4 + 50 + 16);
    expect(() => encryptor.update(new Uint8Array(1))).toThrow(InvalidInputError);
  });

  it('the header carries what the spec says: version 2, the suite, frame length, context, key commitment', async () => {
    const { ours } = rawAesPair();
    for (const suiteId of [0x0478, 0x0578]) {
      const { message, messageHeader } = await encryptAwsEsdkMessage(rng.bytes(10), { keyring: ours, suiteId, encryptionContext: { a: '1' } });
      const decoded = decodeHeader(message)!;
      expect(decoded.header).toEqual(messageHeader);
      expect(message[0]).toBe(2);
      expect((message[1]! << 8) | message[2]!).toBe(suiteId);
      expect(messageHeader.messageId).toHaveLength(32);
      expect(messageHeader.frameLength).toBe(4096);
      expect(messageHeader.commitKey).toHaveLength(32);
      expect(Object.keys(messageHeader.encryptionContext).sort()).toEqual(suiteId === 0x0578 ? ['a', 'aws-crypto-public-key'] : ['a']);
    }
  });
});

describe('Encryption SDK messages: commitment policy and limits', () => {
  it('commitment policies: encrypting is refused under a policy the suite does not meet; unknown policies are refused', async () => {
    const { ours } = rawAesPair();
    await expect(encryptAwsEsdkMessage(new Uint8Array(1), { keyring: ours, commitmentPolicy: 'FORBID_ENCRYPT_ALLOW_DECRYPT' })).rejects.toBeInstanceOf(CommitmentPolicyError);
    await expect(encryptAwsEsdkMessage(new Uint8Array(1), { keyring: ours, commitmentPolicy: 'REQUIRE_ENCRYPT_ALLOW_DECRYPT' })).resolves.toBeDefined();
    await expect(encryptAwsEsdkMessage(new Uint8Array(1), { keyring: ours, commitmentPolicy: 'ALLOW_ALL' as never })).rejects.toBeInstanceOf(CommitmentPolicyError);
    expect(() => createAwsEsdkDecryptor({ keyring: ours, commitmentPolicy: 'nope' as never })).toThrow(CommitmentPolicyError);
    for (const suiteId of [0x0178, 0x0378, 0x0014, 0x0478 + 1, '0x0478' as never]) {
      await expect(encryptAwsEsdkMessage(new Uint8Array(1), { keyring: ours, suiteId })).rejects.toMatchObject({ name: 'InvalidInputError', field: 'suiteId' });
    }
  });

  it('maxEncryptedDataKeys: a message with more data keys is refused on decrypt, and not written on encrypt', async () => {
    const [a, b, c] = [rawAesPair(), rawAesPair(), rawAesPair()];
    const keyring = new MultiKeyring({ generator: a.ours, children: [b.ours, c.ours] });
    const { message, messageHeader } = await encryptAwsEsdkMessage(rng.bytes(100), { keyring });
    expect(messageHeader.encryptedDataKeys).toHaveLength(3);
    expect((await decryptAwsEsdkMessage(message, { keyring: c.ours, maxEncryptedDataKeys: 3 })).plaintext).toHaveLength(100);
    const error = await expectRefused(message, { keyring: c.ours, maxEncryptedDataKeys: 2 }, 'three keys, limit two', MessageFormatError);
    expect(error.message).toMatch(/maxEncryptedDataKeys/);
    await expect(encryptAwsEsdkMessage(rng.bytes(1), { keyring, maxEncryptedDataKeys: 2 })).rejects.toBeInstanceOf(KeyringError);
    for (const bad of [0, 1.5, 65536, '2']) {
      expect(() => createAwsEsdkDecryptor({ keyring, maxEncryptedDataKeys: bad as number })).toThrow(InvalidInputError);
    }
  });

  it('bad arguments get typed errors naming the field', async () => {
    const { ours } = rawAesPair();
    const cases: [Parameters<typeof encryptAwsEsdkMessage>[1], string][] = [
      [{ keyring: ours, frameLength: 0 }, 'frameLength'],
      [{ keyring: ours, frameLength: 2 ** 32 }, 'frameLength'],
      [{ keyring: ours, frameLength: 1.5 }, 'frameLength'],
      [{ keyring: {} as never }, 'keyring'],
      [{ keyring: ours, encryptionContext: { 'aws-crypto-public-key': 'x' } }, 'encryptionContext'],
      [{ keyring: ours, encryptionContext: { a: 1 as never } }, 'encryptionContext'],
      [{ keyring: ours, encryptionContext: { big: 'x'.repeat(70_000) } }, 'encryptionContext'],
    ];
    for (const [options, field] of cases) {
      await expect(encryptAwsEsdkMessage(new Uint8Array(1), options), field).rejects.toMatchObject({ name: 'InvalidInputError', field });
    }
    await expect(encryptAwsEsdkMessage('text' as never, { keyring: ours })).rejects.toMatchObject({ field: 'plaintext' });
    await expect(decryptAwsEsdkMessage(null as never, { keyring: ours })).rejects.toMatchObject({ field: 'message' });
  });

  it('a message that is not one is refused at its first byte', async () => {
    const { ours } = rawAesPair();
    const { message } = await encryptAwsEsdkMessage(rng.bytes(10), { keyring: ours });
    const base64 = new TextEncoder().encode(Buffer.from(message).toString('base64'));
    const error = await expectRefused(base64, { keyring: ours }, 'base64 text', MessageFormatError);
    expect(error.message).toMatch(/base64/);
    await expectRefused(new Uint8Array(0), { keyring: ours }, 'empty', MessageFormatError);
  });
});
