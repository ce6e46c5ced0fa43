// Every way a message can be changed fails with a typed error and releases nothing: each flipped
// byte, a forged key commitment, a stripped or foreign signature, reordered, dropped, duplicated
// or appended frames, and truncation at every byte.

import { describe, expect, it } from 'vitest';
import {
  AuthenticationError, awsEsdkDecryptStream, createAwsEsdkDecryptor, encryptAwsEsdkMessage, gcm, MessageFormatError,
} from '../../../src/index.js';
import { decodeHeader } from '../../../src/envelope/aws-esdk/header-codec.js';
import { deriveCommitKey, deriveDataKey } from '../../../src/envelope/aws-esdk/key-derivation.js';
import { algorithmSuite } from '../../../src/envelope/aws-esdk/algorithm-suites.js';
import { concat } from '../../helpers/bytes.js';
import { SeededRandom } from '../../helpers/seeded-random.js';
import { rawAesPair } from '../../helpers/aws-esdk-keyrings.js';
import { expectRefused, fixedKeyring } from './helpers.js';

const rng = new SeededRandom(4478);
const context = { app: 'tamper' };
const FRAME = 16;
const REGULAR_FRAME_BYTES = 4 + 12 + FRAME + 16;

describe('tampering with Encryption SDK messages', () => {
  for (const suiteId of [0x0478, 0x0578]) {
    it(`suite 0x0${suiteId.toString(16)}: every flipped byte (two bit patterns) fails with a typed error and releases nothing`, async () => {
      const { ours } = rawAesPair();
      const { message } = await encryptAwsEsdkMessage(rng.bytes(3 * FRAME + 5), { keyring: ours, encryptionContext: context, suiteId, frameLength: FRAME });
      for (let i = 0; i < message.length; i++) {
        for (const mask of [0x01, 0x80]) {
          const changed = message.slice();
          changed[i]! ^= mask;
          await expectRefused(changed, { keyring: ours }, `byte ${i} ^ ${mask}`);
        }
      }
    });
  }

  it('truncation at every byte and data appended after the end fail', async () => {
    const { ours } = rawAesPair();
    for (const suiteId of [0x0478, 0x0578]) {
      const { message } = await encryptAwsEsdkMessage(rng.bytes(2 * FRAME + 3), { keyring: ours, suiteId, frameLength: FRAME });
      for (let n = 0; n < message.length; n++) await expectRefused(message.subarray(0, n), { keyring: ours }, `first ${n} bytes`, MessageFormatError);
      await expectRefused(concat([message, new Uint8Array([0])]), { keyring: ours }, 'one byte appended', MessageFormatError);
    }
  });

  it('reordered, dropped and duplicated frames fail', async () => {
    const { ours } = rawAesPair();
    const { message, messageHeader } = await encryptAwsEsdkMessage(rng.bytes(3 * FRAME + 1), { keyring: ours, frameLength: FRAME });
    const headerBytes = decodeHeader(message)!.headerBytes;
    expect(messageHeader.frameLength).toBe(FRAME);
    const header = message.subarray(0, headerBytes);
    const frames = [0, 1, 2].map((i) => message.subarray(headerBytes + i * REGULAR_FRAME_BYTES, headerBytes + (i + 1) * REGULAR_FRAME_BYTES));
    const finalFrame = message.subarray(headerBytes + 3 * REGULAR_FRAME_BYTES);
    expect(concat([header, ...frames, finalFrame])).toEqual(message);
    const variants: Record<string, Uint8Array[]> = {
      'frames 2 and 1 swapped': [frames[1]!, frames[0]!, frames[2]!],
      'frame 2 dropped': [frames[0]!, frames[2]!],
      'frame 1 duplicated': [frames[0]!, frames[0]!, frames[1]!, frames[2]!],
    };
    for (const [what, body] of Object.entries(variants)) {
      await expectRefused(concat([header, ...body, finalFrame]), { keyring: ours }, what, MessageFormatError);
    }
    await expectRefused(concat([header, ...frames]), { keyring: ours }, 'final frame dropped', MessageFormatError);
    const otherIv = message.slice();
    otherIv[headerBytes + REGULAR_FRAME_BYTES + 4 + 11]! ^= 3; // frame 2's IV ends in 00000002: now 00000001
    expect((await expectRefused(otherIv, { keyring: ours }, 'frame 2 with frame 1\'s IV', MessageFormatError)).message).toMatch(/IV/);
    // A frame from another message under the same key and numbering still fails: the AAD holds the message id.
    const other = await encryptAwsEsdkMessage(rng.bytes(3 * FRAME + 1), { keyring: ours, frameLength: FRAME });
    const foreign = other.message.subarray(headerBytes + REGULAR_FRAME_BYTES, headerBytes + 2 * REGULAR_FRAME_BYTES);
    await expectRefused(concat([header, frames[0]!, foreign, frames[2]!, finalFrame]), { keyring: ours }, 'frame from another message', AuthenticationError);
  });

  it('a forged key commitment fails even when the header tag is recomputed to match it', async () => {
    const dataKey = rng.bytes(32);
    const keyring = fixedKeyring(dataKey);
    const { message } = await encryptAwsEsdkMessage(rng.bytes(100), { keyring, frameLength: FRAME });
    const decoded = decodeHeader(message)!;
    const suite = algorithmSuite(0x0478)!;
    expect(decoded.header.commitKey).toEqual(deriveCommitKey(suite, dataKey, decoded.header.messageId));
    const forged = message.slice();
    const commitAt = decoded.body.length - 32;
    forged[commitAt]! ^= 1;
    const key = deriveDataKey(suite, dataKey, decoded.header.messageId);
    forged.set(gcm(key, new Uint8Array(12), forged.subarray(0, decoded.body.length)).encrypt(new Uint8Array(0)), decoded.body.length);
    const error = await expectRefused(forged, { keyring }, 'forged commitment', AuthenticationError);
    expect(error.message).toMatch(/commitment/);
  });

  it('a signed message releases nothing without its own signature: stripped, shortened, or another message\'s', async () => {
    const { ours } = rawAesPair();
    const plaintext = rng.bytes(5 * FRAME);
    const { message } = await encryptAwsEsdkMessage(plaintext, { keyring: ours, suiteId: 0x0578, frameLength: FRAME });
    const sigLength = new DataView(message.buffer, message.byteOffset).getUint16(findFooter(message));
    const withoutFooter = message.subarray(0, message.length - 2 - sigLength);
    await expectRefused(withoutFooter, { keyring: ours }, 'signature stripped', MessageFormatError);
    const other = await encryptAwsEsdkMessage(plaintext, { keyring: ours, suiteId: 0x0578, frameLength: FRAME });
    const otherFooter = other.message.subarray(findFooter(other.message));
    await expectRefused(concat([withoutFooter, otherFooter]), { keyring: ours }, 'another message\'s signature', AuthenticationError);
    // Streaming: every frame authenticates, yet nothing comes out before the signature.
    const decryptor = createAwsEsdkDecryptor({ keyring: ours });
    expect((await decryptor.update(withoutFooter)).length).toBe(0);
    await expect(decryptor.final()).rejects.toBeInstanceOf(MessageFormatError);
  });

  it('a decrypt stream errors on a changed frame after releasing only the frames before it', async () => {
    const { ours } = rawAesPair();
    const plaintext = rng.bytes(10 * FRAME);
    const { message } = await encryptAwsEsdkMessage(plaintext, { keyring: ours, frameLength: FRAME });
    const changed = message.slice();
    changed[message.length - 40 - 5]! ^= 1; // in the last regular frame's tag (the final frame is empty: 40 bytes)
    const released: Uint8Array[] = [];
    const stream = new Blob([changed]).stream().pipeThrough(awsEsdkDecryptStream({ keyring: ours }));
    await expect((async () => {
      for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) released.push(chunk);
    })()).rejects.toBeInstanceOf(AuthenticationError);
    const out = concat([...released]);
    expect(out).toEqual(plaintext.subarray(0, out.length));
    expect(out.length).toBeLessThan(plaintext.length);
  });
});

/** Where a 0x0578 message's footer starts: after the final frame, found by walking the frames. */
function findFooter(message: Uint8Array): number {
  const decoded = decodeHeader(message)!;
  const view = new DataView(message.buffer, message.byteOffset);
  let at = decoded.headerBytes;
  while (view.getUint32(at) !== 0xffffffff) at += REGULAR_FRAME_BYTES;
  return at + 4 + 4 + 12 + 4 + view.getUint32(at + 20) + 16;
}
