// What the page and its transfer workers (transfer-worker.ts, one per file) say to each other. The
// page makes the KMS calls and the S3 calls whose answers are XML (workers have no DOMParser); a
// worker streams the file through the cipher and moves the bytes: UploadPart, or GetObject.

import type { Session } from './session.js';

/** Upload `file` as the parts of multipart upload `uploadId`: encrypted here first (client-side), or as it is (server-side encryption). */
export interface UploadJob {
  op: 'upload';
  session: Session;
  path: string;
  uploadId: string;
  file: File;
  /** Bytes per part (the last part may be shorter). */
  partBytes: number;
  /** Headers every UploadPart carries (SSE-C's key, which S3 wants with each part). */
  partHeaders: Record<string, string>;
  /** Client-side: GenerateDataKey's answer: the data key (transferred, so the page keeps no copy), its KMS-wrapped copy and the key's ARN. */
  envelope?: {
    dataKey: Uint8Array<ArrayBuffer>;
    wrappedKey: Uint8Array;
    keyArn: string;
    encryptionContext: Record<string, string>;
  };
}

/** Fetch the object at `path` (exactly the version `etag` names) and decrypt it as it arrives. */
export interface DownloadJob {
  op: 'download';
  session: Session;
  path: string;
  etag: string;
  /** The unwrapped data key (transferred). */
  dataKey: Uint8Array<ArrayBuffer>;
  cekAlg: string;
  /** AES/GCM/NoPadding bodies only. */
  iv?: Uint8Array;
}

export type TransferJob = UploadJob | DownloadJob;

export type WorkerReport =
  /** A part is uploaded; `sentBytes` have been uploaded so far. */
  | { type: 'part'; partNumber: number; etag: string; sentBytes: number }
  | { type: 'uploaded' }
  /** The plaintext, released as it authenticates (transferred). */
  | { type: 'plaintext'; stream: ReadableStream<Uint8Array> }
  /** An S3 answer that was not a success, for the page to read (XML); or another failure's message. */
  | { type: 'failed'; status?: number; statusText?: string; body?: string; message?: string };
