// Client-side upload of one file: the page asks KMS for a data key (GenerateDataKey), starts a
// multipart upload whose metadata carries the KMS-wrapped key as the S3 Encryption Client does
// (src/s3/cse-metadata.ts), and a transfer worker encrypts the file as a stream (kms-wasm's framed
// envelope) and uploads the ciphertext part by part. Only ciphertext and the wrapped key leave the
// page. Cancelling ends the worker and aborts the multipart upload (AbortMultipartUpload), so no
// parts are left stored.

import { base64ToBytes } from '../src/core/base64.js';
import { cseMetadata, FRAMED_CEK_ALG, KMS_WRAP_ALG } from '../src/s3/cse-metadata.js';
import { firstText, kms, objectPath, s3, s3Document } from './aws-calls.js';
import type { Session } from './session.js';
import { startTransfer, type RunningTransfer } from './transfer-worker-client.js';

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

export class ClientSideUpload {
  private uploadId: string | undefined;
  private transfer: RunningTransfer | undefined;
  private cancel$: (() => void) | undefined;
  private cancelled = false;

  /** `onProgress` gets the bytes of the file uploaded so far (encrypted), at each part. */
  constructor(private readonly session: Session, readonly bucket: string, readonly key: string, readonly file: File,
    private readonly keyId: string, private readonly onProgress: (bytes: number) => void) {}

  private get path(): string {
    return objectPath(this.bucket, this.key);
  }

  async run(): Promise<void> {
    // The S3 Encryption Client v2 binds the content algorithm into the data key's encryption context.
    const encryptionContext = { 'aws:x-amz-cek-alg': FRAMED_CEK_ALG };
    const answer = await kms<{ Plaintext: string; CiphertextBlob: string; KeyId: string }>(this.session, 'GenerateDataKey',
      { KeyId: this.keyId, KeySpec: 'AES_256', EncryptionContext: encryptionContext });
    const dataKey = base64ToBytes(answer.Plaintext);
    const wrappedKey = base64ToBytes(answer.CiphertextBlob);
    try {
      const metadata = cseMetadata({ wrapped: wrappedKey, wrapAlg: KMS_WRAP_ALG, matdesc: encryptionContext, cekAlg: FRAMED_CEK_ALG, plaintextBytes: this.file.size });
      const headers = Object.fromEntries(Object.entries(metadata).map(([name, value]) => [`x-amz-meta-${name}`, value]));
      const { xml } = await s3(this.session, 'POST', this.path, { uploads: '' }, { headers });
      this.uploadId = firstText(xml, 'UploadId');
      if (this.cancelled) throw new UploadCancelled(`the upload of ${this.key} was cancelled`);
      const parts = await this.uploadParts({ dataKey, wrappedKey, keyArn: answer.KeyId, encryptionContext });
      await s3(this.session, 'POST', this.path, { uploadId: this.uploadId }, { headers: { 'content-type': 'application/xml' }, body: completion(parts) });
    } catch (error) {
      await this.abort().catch(() => undefined); // the failure that stopped the upload is the one to report
      throw error;
    } finally {
      if (dataKey.byteLength > 0) dataKey.fill(0); // unless a call failed before the key moved to the worker
    }
  }

  /** Stops the upload; run() then fails with UploadCancelled once the multipart upload is aborted. */
  cancel(): void {
    this.cancelled = true;
    this.transfer?.stop();
    this.cancel$?.();
  }

  private uploadParts(key: { dataKey: Uint8Array<ArrayBuffer>; wrappedKey: Uint8Array; keyArn: string; encryptionContext: Record<string, string> }): Promise<string[]> {
    return new Promise((resolve, reject) => {
      const etags: string[] = [];
      this.cancel$ = () => reject(new UploadCancelled(`the upload of ${this.key} was cancelled`));
      this.transfer = startTransfer({
        op: 'upload', session: this.session, path: this.path, uploadId: this.uploadId!, file: this.file, partBytes: partBytesFor(this.file.size), ...key,
      }, (report) => {
        if (report.type === 'part') {
          etags[report.partNumber - 1] = report.etag;
          this.onProgress(plaintextShare(report.ciphertextBytes, this.file.size));
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

/** CompleteMultipartUpload's body: every part's number and ETag, in order. */
const completion = (etags: string[]) => s3Document('CompleteMultipartUpload', etags.map((etag, i) => ['Part', [['PartNumber', String(i + 1)], ['ETag', etag]]]));
