// The upload of one file, as a multipart upload whose parts a transfer worker sends as the file is
// read (never whole), encrypted one of three ways:
// - client-side: the page asks KMS for a data key (GenerateDataKey), the multipart upload's metadata
//   carries the KMS-wrapped key as the S3 Encryption Client does (src/s3/cse-metadata.ts), and the
//   worker encrypts the file as a stream (kms-wasm's framed envelope): only ciphertext and the
//   wrapped key leave the page;
// - SSE-KMS: CreateMultipartUpload names the KMS key (and the S3 Bucket Key, if asked) and the
//   service encrypts what it receives;
// - SSE-C: every request carries the customer's key (customer-key.ts), which the service uses and
//   does not keep.
// Cancelling ends the worker and aborts the multipart upload (AbortMultipartUpload), so no parts are
// left stored.

import { base64ToBytes } from '../src/core/base64.js';
import { cseMetadata, FRAMED_CEK_ALG, KMS_WRAP_ALG } from '../src/s3/cse-metadata.js';
import { firstText, kms, objectPath, s3, s3Document } from './aws-calls.js';
import type { Session } from './session.js';
import type { UploadJob } from './transfer-protocol.js';
import { startTransfer, type RunningTransfer } from './transfer-worker-client.js';

export type UploadEncryption =
  | { mode: 'client-side'; keyId: string }
  | { mode: 'SSE-KMS'; keyId: string; bucketKey: boolean }
  /** `customerKey`: customerKeyHeaders' answer. */
  | { mode: 'SSE-C'; customerKey: Record<string, string> };

const MiB = 1024 * 1024;
/** S3 takes at most 10,000 parts (S3 User Guide, "Multipart upload limits"); parts of 8 MiB cover 78 GiB of ciphertext. */
const MAX_PARTS = 10_000;
const MIN_PART_BYTES = 8 * MiB;

/** Whole MiB per part: 8 MiB, or more where a file would otherwise need more than 10,000 parts. */
export function partBytesFor(plaintextBytes: number): number {
  // A frame of 64 KiB carries 20 bytes of number and tag; the header is a few hundred bytes.
  const ciphertextBytes = plaintextBytes * (1 + 20 / 65536) + MiB;
  return Math.max(MIN_PART_BYTES, Math.ceil(ciphertextBytes / MAX_PARTS / MiB) * MiB);
}

/**
 * The bytes of the file in `ciphertextBytes` of its envelope: each 64 KiB frame carries 20 bytes
 * more (its number and tag), and the header a few hundred, so this is exact to within the header,
 * and the whole file once everything is sent.
 */
export const plaintextShare = (ciphertextBytes: number, fileBytes: number) => Math.min(fileBytes, Math.floor(ciphertextBytes * 65536 / 65556));

export class UploadCancelled extends Error {
  override readonly name = 'UploadCancelled';
}

export class FileUpload {
  private uploadId: string | undefined;
  private transfer: RunningTransfer | undefined;
  private cancel$: (() => void) | undefined;
  private cancelled = false;

  /** `onProgress` gets the bytes of the file uploaded so far, at each part. */
  constructor(private readonly session: Session, readonly bucket: string, readonly key: string, readonly file: File,
    private readonly encryption: UploadEncryption, private readonly onProgress: (bytes: number) => void) {}

  private get path(): string {
    return objectPath(this.bucket, this.key);
  }

  async run(): Promise<void> {
    const { encryption } = this;
    const envelope = encryption.mode === 'client-side' ? await this.dataKey(encryption.keyId) : undefined;
    // SSE-C's key goes with every request of the upload, the completion too (S3 API Reference, UploadPart, CompleteMultipartUpload).
    const partHeaders = encryption.mode === 'SSE-C' ? encryption.customerKey : {};
    try {
      const { xml } = await s3(this.session, 'POST', this.path, { uploads: '' }, { headers: envelope?.headers ?? createHeaders(encryption) });
      this.uploadId = firstText(xml, 'UploadId');
      if (this.cancelled) throw new UploadCancelled(`the upload of ${this.key} was cancelled`);
      const parts = await this.uploadParts({ partHeaders, envelope: envelope?.job });
      await s3(this.session, 'POST', this.path, { uploadId: this.uploadId }, { headers: { ...partHeaders, 'content-type': 'application/xml' }, body: completion(parts) });
    } catch (error) {
      await this.abort().catch(() => undefined); // the failure that stopped the upload is the one to report
      throw error;
    } finally {
      const dataKey = envelope?.job.dataKey;
      if (dataKey && dataKey.byteLength > 0) dataKey.fill(0); // unless a call failed before the key moved to the worker
    }
  }

  /** GenerateDataKey under `keyId`, and the S3 Encryption Client metadata that carries the wrapped key. */
  private async dataKey(keyId: string): Promise<{ headers: Record<string, string>; job: NonNullable<UploadJob['envelope']> }> {
    // The S3 Encryption Client v2 binds the content algorithm into the data key's encryption context.
    const encryptionContext = { 'aws:x-amz-cek-alg': FRAMED_CEK_ALG };
    const answer = await kms<{ Plaintext: string; CiphertextBlob: string; KeyId: string }>(this.session, 'GenerateDataKey',
      { KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: encryptionContext });
    const wrappedKey = base64ToBytes(answer.CiphertextBlob);
    const metadata = cseMetadata({ wrapped: wrappedKey, wrapAlg: KMS_WRAP_ALG, matdesc: encryptionContext, cekAlg: FRAMED_CEK_ALG, plaintextBytes: this.file.size });
    return {
      headers: Object.fromEntries(Object.entries(metadata).map(([name, value]) => [`x-amz-meta-${name}`, value])),
      job: { dataKey: base64ToBytes(answer.Plaintext), wrappedKey, keyArn: answer.KeyId, encryptionContext },
    };
  }

  /** Stops the upload; run() then fails with UploadCancelled once the multipart upload is aborted. */
  cancel(): void {
    this.cancelled = true;
    this.transfer?.stop();
    this.cancel$?.();
  }

  private uploadParts(job: Pick<UploadJob, 'partHeaders' | 'envelope'>): Promise<string[]> {
    // The progress counts the file's bytes: for client-side uploads, the plaintext's share of the ciphertext sent.
    const fileBytes = (sent: number) => job.envelope ? plaintextShare(sent, this.file.size) : sent;
    return new Promise((resolve, reject) => {
      const etags: string[] = [];
      this.cancel$ = () => reject(new UploadCancelled(`the upload of ${this.key} was cancelled`));
      this.transfer = startTransfer({
        op: 'upload', session: this.session, path: this.path, uploadId: this.uploadId!, file: this.file, partBytes: partBytesFor(this.file.size), ...job,
      }, (report) => {
        if (report.type === 'part') {
          etags[report.partNumber - 1] = report.etag;
          this.onProgress(fileBytes(report.sentBytes));
        } else if (report.type === 'uploaded') {
          this.transfer!.stop();
          resolve(etags);
        }
      }, reject);
    });
  }

  /** AbortMultipartUpload, where one was started: its parts are deleted. */
  private async abort(): Promise<void> {
    if (this.uploadId === undefined) return;
    await s3(this.session, 'DELETE', this.path, { uploadId: this.uploadId });
  }
}

/** CreateMultipartUpload's headers for server-side encryption (S3 API Reference, CreateMultipartUpload). */
function createHeaders(encryption: UploadEncryption): Record<string, string> {
  if (encryption.mode === 'SSE-C') return encryption.customerKey;
  if (encryption.mode === 'client-side') return {};
  return {
    'x-amz-server-side-encryption': 'aws:kms', 'x-amz-server-side-encryption-aws-kms-key-id': encryption.keyId,
    ...(encryption.bucketKey ? { 'x-amz-server-side-encryption-bucket-key-enabled': 'true' } : {}),
  };
}

/** CompleteMultipartUpload's body: every part's number and ETag, in order. */
const completion = (etags: string[]) => s3Document('CompleteMultipartUpload', etags.map((etag, i) => ['Part', [['PartNumber', String(i + 1)], ['ETag', etag]]]));
