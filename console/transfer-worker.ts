// A transfer worker (a module Web Worker, one per file): it encrypts a file as a stream with
// kms-wasm's framed envelope and uploads the ciphertext part by part, or fetches an object as a
// stream and decrypts it, releasing plaintext only as it authenticates. The data key arrives
// transferred from the page and is zeroed once the cipher has derived what it needs.

import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { createGcmDecryptor, FramedDecryptor, FramedEncryptor, KMS_PROVIDER_ID, ready } from '../src/index.js';
import { FRAMED_CEK_ALG } from '../src/s3/cse-metadata.js';
import { partChunks } from './part-chunks.js';
import { signedFetch } from './signed-fetch.js';
import type { DownloadJob, TransferJob, UploadJob, WorkerReport } from './transfer-protocol.js';

const report = (message: WorkerReport, transfer: Transferable[] = []) => postMessage(message, { transfer });

/**
 * A framed-envelope or GCM cipher as a stream. (Not encryptStream / decryptStream: they also
 * write and read the AWS Encryption SDK's format, whose signature suites would bring @noble/curves
 * into the worker, three times its size otherwise spent; the console's bodies are never that.)
 */
function cipherStream(cipher: { update(chunk: Uint8Array): Uint8Array | Promise<Uint8Array>; final(): Uint8Array | Promise<Uint8Array> }): TransformStream<Uint8Array, Uint8Array> {
  return new TransformStream({
    transform: async (chunk, controller) => controller.enqueue(await cipher.update(chunk)),
    flush: async (controller) => controller.enqueue(await cipher.final()),
  });
}

/** The part's SHA-256 for its signature: Web Crypto's where the page is a secure context (native, many times faster), else @noble/hashes'. */
async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  return bytesToHex(crypto.subtle ? new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)) : sha256(bytes));
}

/** An S3 answer that was not a success: the page reads its XML error. */
class Refused extends Error {
  constructor(readonly status: number, readonly statusText: string, readonly body: string) {
    super(`HTTP ${status}`);
  }
}

async function succeeded(response: Response): Promise<Response> {
  if (!response.ok) throw new Refused(response.status, response.statusText, await response.text());
  return response;
}

/**
 * Parts sent at once per file: while one is stored (the server seals it at rest), the next is
 * encrypted, hashed and sent. Each part in flight is a Blob (signed-fetch.ts), so the worker's
 * memory stays about two parts whatever the file's size.
 */
const PARTS_IN_FLIGHT = 2;

/** Client-side: the framed envelope's encryptor as a stream; server-side encryption: the file's bytes as they are. */
function uploadCipher({ envelope }: UploadJob): TransformStream<Uint8Array, Uint8Array> {
  if (!envelope) return new TransformStream();
  const encryptor = new FramedEncryptor({
    dataKey: envelope.dataKey, encryptionContext: envelope.encryptionContext,
    wrappedKeys: [{ providerId: KMS_PROVIDER_ID, keyId: envelope.keyArn, blob: envelope.wrappedKey }],
  });
  envelope.dataKey.fill(0); // the encryptor has derived its message key
  return cipherStream(encryptor);
}

async function upload(job: UploadJob): Promise<void> {
  const cipher = uploadCipher(job);
  let sentBytes = 0;
  const putPart = async (partNumber: number, part: Uint8Array<ArrayBuffer>) => {
    const response = await succeeded(await signedFetch(job.session, {
      service: 's3', method: 'PUT', path: job.path, query: { partNumber: String(partNumber), uploadId: job.uploadId },
      headers: { ...job.partHeaders, 'x-amz-content-sha256': await sha256Hex(part) }, body: part,
    }));
    sentBytes += part.length;
    report({ type: 'part', partNumber, etag: response.headers.get('etag') ?? '', sentBytes });
  };
  const parts = job.file.stream().pipeThrough(cipher).pipeThrough(partChunks(job.partBytes)).getReader();
  const inFlight = new Set<Promise<void>>();
  for (let partNumber = 1; ; partNumber++) {
    // A failed part ends the upload here; the page then ends this worker, cancelling the other.
    while (inFlight.size >= PARTS_IN_FLIGHT) await Promise.race(inFlight);
    const { value: part, done } = await parts.read();
    if (done) break;
    const put: Promise<void> = putPart(partNumber, part).then(() => void inFlight.delete(put));
    put.catch(() => undefined); // its failure is met by the race or the last wait, not reported as unhandled
    inFlight.add(put);
  }
  await Promise.all(inFlight);
  report({ type: 'uploaded' });
}


/** AES/GCM/NoPadding (S3EncryptionClient's body) is authenticated only by its tag at the end: the page's sink commits nothing before the stream ends cleanly. */
function gcmDecryptor(dataKey: Uint8Array, iv: Uint8Array) {
  const decryptor = createGcmDecryptor(dataKey, iv);
  dataKey.fill(0);
  return decryptor;
}

async function download(job: DownloadJob): Promise<void> {
  const response = await succeeded(await signedFetch(job.session, { service: 's3', method: 'GET', path: job.path, headers: { 'if-match': job.etag } }));
  // The framed decryptor zeroes the data key once it has derived the message key.
  const decryptor = job.cekAlg === FRAMED_CEK_ALG ? new FramedDecryptor(async () => job.dataKey) : gcmDecryptor(job.dataKey, job.iv!);
  const stream = response.body!.pipeThrough(cipherStream(decryptor));
  report({ type: 'plaintext', stream }, [stream]);
}

onmessage = async ({ data: job }: MessageEvent<TransferJob>) => {
  try {
    await ready();
    await (job.op === 'upload' ? upload(job) : download(job));
  } catch (error) {
    const dataKey = job.op === 'upload' ? job.envelope?.dataKey : job.dataKey;
    if (dataKey && dataKey.byteLength > 0) dataKey.fill(0);
    report(error instanceof Refused ? { type: 'failed', status: error.status, statusText: error.statusText, body: error.body }
      : { type: 'failed', message: `${(error as Error).name}: ${(error as Error).message}` });
  }
};
