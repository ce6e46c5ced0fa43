// AWS Encryption SDK messages in `npm run bench`: kms-wasm's encryptor/decryptor against the
// Encryption SDK for JavaScript on Node (@aws-crypto/client-node, node:crypto underneath), both
// with a raw AES keyring, the committing suite 0x0478 and the default 4096-byte frames. Each side
// decrypts the other's message, so every timed decryption is also an interop check. Up to 1 MiB a
// message is one call (encryptAwsEsdkMessage / encrypt); from 64 MiB on it is streamed in 1 MiB
// chunks (awsEsdkEncryptStream / encryptStream), as large data is.
import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { buildClient, CommitmentPolicy, RawAesKeyringNode, RawAesWrappingSuiteIdentifier } from '@aws-crypto/client-node';
import {
  awsEsdkDecryptStream, awsEsdkEncryptStream, decryptAwsEsdkMessage, encryptAwsEsdkMessage, RawAesKeyring,
} from '../src/index.js';
import type { Implementation } from '../src/cli/bench/measure.js';

const KiB = 1024;
const MiB = 1024 * KiB;
export const AWS_ESDK_SIZES = [4 * KiB, MiB, 64 * MiB];
/** At and above this size, messages are streamed rather than passed whole. */
const STREAMED_FROM = 64 * MiB;
const CHUNK = MiB;
const SUITE_ID = 0x0478;
const FRAME_LENGTH = 4096;
const encryptionContext = { purpose: 'bench' };

const wrappingKey = crypto.getRandomValues(new Uint8Array(32));
const ours = new RawAesKeyring({ keyNamespace: 'bench', keyName: 'aes-256', wrappingKey });
const theirs = new RawAesKeyringNode({ keyNamespace: 'bench', keyName: 'aes-256', unencryptedMasterKey: wrappingKey.slice(),
  wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING });
const esdk = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);

function* chunksOf(bytes: Uint8Array): Generator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += CHUNK) yield bytes.subarray(at, at + CHUNK);
}

/** Web-streams `bytes` in chunks through `transform`; resolves to the byte count that came out. */
async function throughWebStream(bytes: Uint8Array, transform: TransformStream<Uint8Array, Uint8Array>): Promise<number> {
  const chunks = chunksOf(bytes);
  const source = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = chunks.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
  });
  let count = 0;
  for await (const chunk of source.pipeThrough(transform) as unknown as AsyncIterable<Uint8Array>) count += chunk.length;
  return count;
}

/** Node-streams `bytes` in chunks through `duplex`; resolves to the byte count that came out. */
async function throughNodeStream(bytes: Uint8Array, duplex: NodeJS.ReadWriteStream): Promise<number> {
  let count = 0;
  const sink = new Writable({ write(chunk: Buffer, _encoding, done) { count += chunk.length; done(); } });
  await pipeline(Readable.from(chunksOf(bytes)), duplex, sink);
  return count;
}

/** A fast wrong answer would make every ratio meaningless: each side must open the other's message first. */
function expectSame(name: string, actual: Uint8Array, expected: Uint8Array): void {
  if (!Buffer.from(actual).equals(Buffer.from(expected))) throw new Error(`${name}: wrong plaintext; not timing it`);
}

/** A timed streamed decryption must give back every byte. */
function expectLength(name: string, actual: number, expected: number): void {
  if (actual !== expected) throw new Error(`${name}: ${actual} bytes out, expected ${expected}`);
}

const ourOptions = { keyring: ours, encryptionContext, suiteId: SUITE_ID, frameLength: FRAME_LENGTH };
/** Spread into each call: the Encryption SDK writes into the options object it is given. */
const theirOptions = { encryptionContext, suiteId: SUITE_ID, frameLength: FRAME_LENGTH };

interface Inputs { plaintext: Uint8Array; ourMessage: Uint8Array; theirMessage: Uint8Array }

async function makeInputs(size: number): Promise<Inputs> {
  const plaintext = randomBytes(size);
  const ourMessage = (await encryptAwsEsdkMessage(plaintext, ourOptions)).message;
  const theirMessage = (await esdk.encrypt(theirs, plaintext, { ...theirOptions })).result;
  // Each side opens the other's message once before anything is timed.
  expectSame('kms-wasm decrypting the Encryption SDK', (await decryptAwsEsdkMessage(theirMessage, { keyring: ours })).plaintext, plaintext);
  expectSame('the Encryption SDK decrypting kms-wasm', (await esdk.decrypt(theirs, ourMessage)).plaintext, plaintext);
  return { plaintext, ourMessage, theirMessage };
}

/** Both rows of a size share one plaintext and its two messages. */
const inputsBySize = new Map<number, Promise<Inputs>>();
function inputsFor(size: number): Promise<Inputs> {
  if (!inputsBySize.has(size)) inputsBySize.set(size, makeInputs(size));
  return inputsBySize.get(size)!;
}

export const awsEsdkImplementations: Implementation[] = [
  {
    name: 'kms-wasm aws-esdk', family: 'AWS Encryption SDK', sizes: AWS_ESDK_SIZES,
    prepare(size) {
      const inputs = inputsFor(size);
      if (size >= STREAMED_FROM) {
        return {
          encrypt: async () => throughWebStream((await inputs).plaintext, awsEsdkEncryptStream(ourOptions)),
          decrypt: async () => expectLength('kms-wasm', await throughWebStream((await inputs).theirMessage, awsEsdkDecryptStream({ keyring: ours })), size),
        };
      }
      return {
        encrypt: async () => encryptAwsEsdkMessage((await inputs).plaintext, ourOptions),
        decrypt: async () => decryptAwsEsdkMessage((await inputs).theirMessage, { keyring: ours }),
      };
    },
  },
  {
    name: '@aws-crypto/client-node', family: 'AWS Encryption SDK', sizes: AWS_ESDK_SIZES, reference: true,
    prepare(size) {
      const inputs = inputsFor(size);
      if (size >= STREAMED_FROM) {
        return {
          encrypt: async () => throughNodeStream((await inputs).plaintext, esdk.encryptStream(theirs, { ...theirOptions })),
          decrypt: async () => expectLength('the Encryption SDK', await throughNodeStream((await inputs).ourMessage, esdk.decryptUnsignedMessageStream(theirs)), size),
        };
      }
      return {
        encrypt: async () => esdk.encrypt(theirs, (await inputs).plaintext, { ...theirOptions }),
        decrypt: async () => esdk.decrypt(theirs, (await inputs).ourMessage),
      };
    },
  },
];
