// S3EncryptionClient: client-side encryption over an ObjectStore, in the S3 Encryption Client v2
// layout. The store only ever receives ciphertext and the wrapped data key:
//   body      AES-256-GCM(data key, IV) of the plaintext, tag appended (x-amz-cek-alg AES/GCM/NoPadding)
//   metadata  x-amz-key-v2 (wrapped data key, base64), x-amz-iv (base64), x-amz-cek-alg,
//             x-amz-wrap-alg, x-amz-matdesc (JSON), x-amz-tag-len (128), x-amz-unencrypted-content-length
// CSE-KMS: the data key comes from KMS generateDataKey (wrap alg kms+context), with the content
// algorithm in the encryption context as v2 does. getObject also reads bodies in kms-wasm's framed
// envelope (docs/format.md) under the same metadata with x-amz-cek-alg FRAMED_CEK_ALG: what the
// browser console uploads, encrypted as a stream in the page (console/client-side-upload.ts). AWS's
// own S3 Encryption Clients know only their AES/GCM and AES/CBC bodies, so they cannot read those. CSE-C: a 256-bit master key that never leaves the
// client wraps the data key with AES/GCM (IV ‖ ciphertext ‖ tag, the content algorithm as AAD).
//
// Which object a body belongs to: as in AWS's S3 Encryption Client, the format binds nothing of the
// bucket or key. A body moved without its metadata fails GCM (its data key and IV are another's). To
// bind an object's identity, CSE-KMS puts it in the encryption context on PUT and passes the same
// context to getObject, which refuses an object whose stored context differs before asking KMS —
// what the Java client's withAdditionalConfiguration(encryptionContext) does on GetObject
// (https://aws.github.io/amazon-s3-encryption-client-java/software/amazon/encryption/s3/S3EncryptionClient.html).
// CSE-C's AES/GCM wrapping authenticates no context, so it cannot bind one (the v2 format's limit).

import { base64ToBytesOrUndefined } from '../core/base64.js';
import { decryptMessage } from '../envelope/envelope-streams.js';
import { collectPieces, openRangedMessage } from '../envelope/ranged-decrypt.js';
import { checkHoldsGcmTag, openGcmBody, type RangedPlaintextObject, type StoredBody } from './cse-gcm-ranges.js';
import { cseMetadata, FRAMED_CEK_ALG, GCM_CEK_ALG as CEK_ALG, KMS_WRAP_ALG } from './cse-metadata.js';
import { AuthenticationError } from '../core/errors.js';
import { gcm } from '../core/gcm.js';
import { requireBytes } from '../core/validate.js';
import { copyBytes } from '../core/bytes.js';
import type { KmsClient } from '../envelope/kms-client.js';
import type { Caller } from '../policy/caller.js';
import type { ObjectStore } from './object-store.js';
import { parseRange } from './byte-range.js';
import { malformedS3Request } from './request-shapes.js';
import type { EncryptedGetObjectRequest, EncryptedOpenObjectRequest, EncryptedPutObjectRequest } from './s3-api-types.js';
import { s3Error } from './s3-errors.js';
import { bytesBody } from './streaming-body.js';

const encoder = new TextEncoder();

export type S3EncryptionClientOptions =
  | { s3: ObjectStore; kms: KmsClient; kmsKeyId: string; caller?: Caller }
  | { s3: ObjectStore; masterKey: Uint8Array; caller?: Caller };

export class S3EncryptionClient {
  private readonly s3: ObjectStore;
  private readonly caller: Caller | undefined;
  private readonly kms?: { service: KmsClient; keyId: string };
  private readonly masterKey?: Uint8Array;

  constructor(options: S3EncryptionClientOptions) {
    if (!options?.s3) throw s3Error('InvalidArgument', 's3: an ObjectStore is required');
    this.s3 = options.s3;
    this.caller = options.caller;
    if ('masterKey' in options) {
      this.masterKey = copyBytes(requireBytes('masterKey', options.masterKey, 32));
    } else {
      if (!options.kms || typeof options.kmsKeyId !== 'string') throw s3Error('InvalidArgument', 'give { kms, kmsKeyId } for CSE-KMS or { masterKey } for CSE-C');
      this.kms = { service: options.kms, keyId: options.kmsKeyId };
    }
  }

  /** Encrypts on the client, then stores ciphertext and the v2 metadata. `EncryptionContext` (CSE-KMS) goes to KMS and x-amz-matdesc. */
  async putObject(request: EncryptedPutObjectRequest) {
    const malformed = malformedS3Request('EncryptedPutObject', request); if (malformed) return malformed;
    const body = typeof request.Body === 'string' ? encoder.encode(request.Body) : requireBytes('Body', request.Body);
    const { dataKey, wrapped, wrapAlg, matdesc } = await this.newDataKey(request.EncryptionContext ?? {});
    const iv = crypto.getRandomValues(new Uint8Array(12));
    let sealed: Uint8Array;
    try {
      sealed = gcm(dataKey, iv).encrypt(body);
    } finally {
      dataKey.fill(0);
    }
    const { EncryptionContext: _context, ...rest } = request;
    return this.s3.putObject({
      ...rest, Body: sealed,
      Metadata: { ...(request.Metadata ?? {}), ...cseMetadata({ wrapped, wrapAlg, matdesc, cekAlg: CEK_ALG, plaintextBytes: body.length, iv }) },
    }, this.caller);
  }

  /**
   * Fetches, unwraps the data key, and returns the authenticated plaintext (a Range is cut after
   * authentication). With `EncryptionContext` (CSE-KMS), the stored context must be exactly that.
   */
  async getObject(request: EncryptedGetObjectRequest) {
    const malformed = malformedS3Request('EncryptedGetObject', request); if (malformed) return malformed;
    const { Range, EncryptionContext: expected, ...whole } = request;
    const object = await this.s3.getObject(whole, this.caller);
    const sealed = await object.Body.transformToByteArray(); // AES-GCM as CSE v2 uses it authenticates only the whole object (openObject reads by range)
    const { iv, gcmBody, dataKey } = await this.envelopeKey(request.Key, object.Metadata, expected);
    let plaintext: Uint8Array;
    try {
      // The framed decryptor zeroes the key it is given once it has derived the message key (and the finally below zeroes it again).
      if (gcmBody) checkHoldsGcmTag(sealed.length); // named below, with what was altered
      plaintext = gcmBody ? gcm(dataKey, iv!).decrypt(sealed) : await decryptMessage(async () => dataKey, sealed);
    } catch (error) {
      if (error instanceof AuthenticationError) throw new AuthenticationError(`${request.Key}: the object or its ${gcmBody ? 'IV' : 'envelope'} was altered (${error.message})`);
      throw error;
    } finally {
      dataKey.fill(0);
    }
    let body = plaintext;
    let contentRange: string | undefined;
    if (Range !== undefined) {
      const size = plaintext.length;
      const [start, end] = parseRange(Range, size);
      body = plaintext.slice(start, end);
      plaintext.fill(0);
      contentRange = `bytes ${start}-${end - 1}/${size}`;
    }
    return { ...object, Body: bytesBody(body), ContentLength: body.length, ContentRange: contentRange };
  }

  /**
   * The object's plaintext by range, in bounded memory, for reading an object far larger than memory
   * (a query's table): the size, and `read(offset, length)`; `dispose()` zeroes the data key. Every
   * byte read is authenticated. An AES/GCM/NoPadding body's tag is verified first, in one streaming
   * pass over the whole object, and each range is then proven to be bytes that pass verified
   * (cse-gcm-ranges.ts); a framed body's ranges authenticate frame by frame (ranged-decrypt.ts). Each
   * GET reads the version the HEAD found, and must answer its ETag: an object replaced meanwhile
   * fails the read.
   */
  async openObject(request: EncryptedOpenObjectRequest): Promise<RangedPlaintextObject> {
    const malformed = malformedS3Request('EncryptedOpenObject', request); if (malformed) return malformed;
    const { EncryptionContext: expected, Bucket, Key, VersionId } = request;
    const head = await this.s3.headObject({ Bucket, Key, VersionId }, this.caller);
    const { iv, gcmBody, dataKey } = await this.envelopeKey(Key, head.Metadata, expected);
    const get = async (Range?: string) => {
      const object = await this.s3.getObject({ Bucket, Key, VersionId: head.VersionId, Range }, this.caller);
      if (object.ETag !== head.ETag) throw new AuthenticationError(`${Key}: the object was replaced while it was read (ETag ${object.ETag}, opened at ${head.ETag})`);
      return object.Body;
    };
    const body: StoredBody = {
      size: head.ContentLength,
      whole: () => get(),
      range: async (start, end) => (end > start ? (await get(`bytes=${start}-${end - 1}`)).transformToByteArray() : new Uint8Array(0)),
    };
    if (gcmBody) return openGcmBody(Key, body, dataKey, iv!);
    try {
      // As in getObject: the framed reader zeroes the data key once it has the message key.
      const message = await openRangedMessage((offset, length) => body.range(offset, Math.min(offset + length, body.size)), body.size, async () => dataKey);
      return { size: message.totalBytes, read: (offset, length) => collectPieces(message.pieces(offset, offset + length)), dispose: () => message.dispose() };
    } finally {
      dataKey.fill(0);
    }
  }

  /** The body's envelope from the object's metadata, and its data key unwrapped (the caller zeroes it). */
  private async envelopeKey(key: string, metadata: Record<string, string>, expected: Record<string, string> | undefined) {
    const cekAlg = metadata['x-amz-cek-alg'];
    const iv = base64ToBytesOrUndefined(metadata['x-amz-iv']);
    const wrapped = base64ToBytesOrUndefined(metadata['x-amz-key-v2']);
    const gcmBody = cekAlg === CEK_ALG && iv?.length === 12 && metadata['x-amz-tag-len'] === '128';
    if (!wrapped || !(gcmBody || cekAlg === FRAMED_CEK_ALG)) {
      throw s3Error('InvalidRequest', `${key} was not stored by an S3 Encryption Client (v2, AES/GCM/NoPadding or ${FRAMED_CEK_ALG}): its metadata is missing or altered`);
    }
    return { iv, gcmBody, dataKey: await this.unwrap(wrapped, cekAlg, metadata['x-amz-wrap-alg'], metadata['x-amz-matdesc'], expected) };
  }

  private async newDataKey(context: Record<string, string>) {
    if (this.kms) {
      if ('aws:x-amz-cek-alg' in context) throw s3Error('InvalidArgument', 'EncryptionContext: aws:x-amz-cek-alg is set by the client');
      const matdesc = { ...context, 'aws:x-amz-cek-alg': CEK_ALG };
      const { Plaintext, CiphertextBlob } = await this.kms.service.generateDataKey({ KeyId: this.kms.keyId, KeySpec: 'AES_256', EncryptionContext: matdesc }, this.caller);
      return { dataKey: Plaintext, wrapped: CiphertextBlob, wrapAlg: KMS_WRAP_ALG, matdesc };
    }
    const dataKey = crypto.getRandomValues(new Uint8Array(32));
    const iv = crypto.getRandomValues(new Uint8Array(12));
    // Stryker disable next-line ObjectLiteral,BooleanLiteral: constantTime picks the table-free GHASH; both give the same bytes, and 17 bytes of AAD and a 32-byte key are under SHORT_MESSAGE_BYTES, which hash table-free anyway
    const sealed = gcm(this.masterKey!, iv, encoder.encode(CEK_ALG), { constantTime: true }).encrypt(dataKey);
    const wrapped = new Uint8Array(12 + sealed.length);
    wrapped.set(iv);
    wrapped.set(sealed, 12);
    return { dataKey, wrapped, wrapAlg: 'AES/GCM', matdesc: context };
  }

  private async unwrap(wrapped: Uint8Array, cekAlg: string, wrapAlg: string | undefined, matdescText: string | undefined, expected: Record<string, string> | undefined): Promise<Uint8Array> {
    if (wrapAlg === KMS_WRAP_ALG) {
      if (!this.kms) throw s3Error('InvalidRequest', 'the object was encrypted with CSE-KMS; this client holds a master key (CSE-C)');
      let matdesc: Record<string, string>;
      try {
        // Stryker disable next-line StringLiteral: read only when x-amz-matdesc is absent, and any text that is not JSON ("Stryker was here!" is not) gets the same refusal
        matdesc = JSON.parse(matdescText ?? '');
      } catch {
        throw s3Error('InvalidRequest', 'x-amz-matdesc is not valid JSON');
      }
      if (expected !== undefined && !sameContext(matdesc, { ...expected, 'aws:x-amz-cek-alg': cekAlg })) {
        throw new AuthenticationError('the encryption context given does not match the one the object was stored with (x-amz-matdesc)');
      }
      const { Plaintext } = await this.kms.service.decrypt({ CiphertextBlob: wrapped, EncryptionContext: matdesc }, this.caller);
      return Plaintext;
    }
    if (wrapAlg === 'AES/GCM') {
      if (!this.masterKey) throw s3Error('InvalidRequest', 'the object was encrypted with CSE-C (a client master key); this client uses KMS');
      if (expected !== undefined) throw s3Error('InvalidArgument', 'EncryptionContext: only CSE-KMS objects carry an encryption context');
      try {
        // Stryker disable next-line ObjectLiteral,BooleanLiteral: as in newDataKey: the same bytes either way, and the AAD (one of the two content algorithms envelopeKey accepts) and a wrapped 32-byte key are under SHORT_MESSAGE_BYTES
        return gcm(this.masterKey, wrapped.subarray(0, 12), encoder.encode(cekAlg), { constantTime: true }).decrypt(wrapped.subarray(12));
      } catch {
        throw new AuthenticationError('the data key does not unwrap: this is not the master key the object was encrypted with');
      }
    }
    throw s3Error('InvalidRequest', `unsupported x-amz-wrap-alg ${String(wrapAlg)}`);
  }
}

/** The same pairs, whatever their order (a stored context is JSON of string pairs). */
function sameContext(stored: Record<string, unknown>, expected: Record<string, string>): boolean {
  const keys = Object.keys(expected);
  // Stryker disable next-line ConditionalExpression: `typeof stored === 'object'` made true: a parsed string, number or boolean still fails below (`expected` always has aws:x-amz-cek-alg, which no primitive has as its own key); the other mutants of this mutator here are killed (unmarked run)
  return typeof stored === 'object' && stored !== null && Object.keys(stored).length === keys.length
    && keys.every((k) => Object.hasOwn(stored, k) && stored[k] === expected[k]);
}
