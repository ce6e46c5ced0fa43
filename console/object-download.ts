// The download of an object the service decrypts itself (SSE-S3, SSE-KMS, DSSE-KMS, SSE-C, or none):
// a signed GetObject whose body streams into the sink as it arrives. An SSE-C object needs its
// customer key's headers (customer-key.ts); a refusal (a wrong key: 403 AccessDenied) is shown in
// S3's words, and the sink is aborted, so nothing is saved.

import { objectPath, xmlDocument } from './aws-calls.js';
import type { Session } from './session.js';
import { signedFetch } from './signed-fetch.js';

export async function downloadAsStored(session: Session, bucket: string, key: string, sink: WritableStream<Uint8Array>, headers: Record<string, string> = {}): Promise<void> {
  let body: ReadableStream<Uint8Array>;
  try {
    const response = await signedFetch(session, { service: 's3', method: 'GET', path: objectPath(bucket, key), headers });
    if (!response.ok) xmlDocument(response.status, false, response.statusText, await response.text()); // throws S3's error
    body = response.body!;
  } catch (error) {
    await sink.abort();
    throw error;
  }
  await body.pipeTo(sink);
}
