// Client-side download of one object: HeadObject gives the S3 Encryption Client metadata (the
// KMS-wrapped data key, its encryption context, the content algorithm), KMS Decrypt unwraps the
// data key, and a transfer worker fetches exactly that version of the object (If-Match) and decrypts
// it as it arrives into `sink`. Framed bodies (what the console uploads) release each frame only
// once it authenticates; AES/GCM/NoPadding bodies (S3EncryptionClient.putObject) are authenticated
// at their end. Either way a failure aborts the sink, which then keeps nothing.

import { base64ToBytes, base64ToBytesOrUndefined } from '../src/core/base64.js';
import { FRAMED_CEK_ALG, GCM_CEK_ALG, KMS_WRAP_ALG } from '../src/s3/cse-metadata.js';
import { AwsError, kms, objectPath, s3 } from './aws-calls.js';
import type { Session } from './session.js';
import type { WorkerReport } from './transfer-protocol.js';
import { startTransfer, type RunningTransfer } from './transfer-worker-client.js';

export async function downloadDecrypted(session: Session, bucket: string, key: string, sink: WritableStream<Uint8Array>): Promise<void> {
  const path = objectPath(bucket, key);
  const { headers } = await s3(session, 'HEAD', path);
  const metadata = (name: string) => headers.get(`x-amz-meta-${name}`) ?? undefined;
  const cekAlg = metadata('x-amz-cek-alg');
  const iv = base64ToBytesOrUndefined(metadata('x-amz-iv'));
  const gcmBody = cekAlg === GCM_CEK_ALG && iv?.length === 12 && metadata('x-amz-tag-len') === '128';
  const wrapped = metadata('x-amz-key-v2');
  if (metadata('x-amz-wrap-alg') !== KMS_WRAP_ALG || wrapped === undefined || !(gcmBody || cekAlg === FRAMED_CEK_ALG)) {
    await sink.abort();
    throw new AwsError('InvalidRequest', `${key} is not encrypted client-side under a KMS key (S3 Encryption Client v2 metadata, x-amz-wrap-alg ${KMS_WRAP_ALG})`);
  }
  let plaintext: ReadableStream<Uint8Array>;
  let transfer: RunningTransfer | undefined;
  try {
    const { Plaintext } = await kms<{ Plaintext: string }>(session, 'Decrypt', { CiphertextBlob: wrapped, EncryptionContext: JSON.parse(metadata('x-amz-matdesc') ?? '{}') });
    plaintext = await new Promise<ReadableStream<Uint8Array>>((resolve, reject) => {
      transfer = startTransfer({ op: 'download', session, path, etag: headers.get('etag') ?? '*', dataKey: base64ToBytes(Plaintext), cekAlg: cekAlg!, iv },
        (report: WorkerReport) => {
          if (report.type === 'plaintext') resolve(report.stream);
        }, reject);
    });
  } catch (error) {
    transfer?.stop();
    await sink.abort();
    throw error;
  }
  try {
    await plaintext.pipeTo(sink); // closes the sink only after the last byte authenticated; aborts it otherwise
  } catch (error) {
    throw new Error(`${key} does not decrypt, and nothing was saved: ${(error as Error)?.message ?? error}`);
  } finally {
    transfer!.stop();
  }
}
