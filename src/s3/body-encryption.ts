// The write path of a body: plaintext pieces in, through the encryption layers (innermost first:
// DSSE-KMS has two, SSE-S3/SSE-KMS/SSE-C one, plaintext none), out to the body's file as they come.
// Memory held: one piece (≤ 1 MiB) and one frame per layer, whatever the object's size.

import { FramedEncryptor } from '../envelope/framed-encryptor.js';
import type { EncryptionMaterials } from '../envelope/materials.js';
import type { ObjectBodies } from './object-bodies.js';
import { etagHasher } from './object-bytes.js';
import { s3Error } from './s3-errors.js';

export interface WrittenBody {
  size: number;
  etag: string;
}

/**
 * Encrypts `pieces` under each of `layers` in turn (their data keys are zeroed here) and stores the
 * result as body `bodyId`, committed only once whole. At most `maxBytes` of plaintext (else
 * EntityTooLarge); with `contentLength`, exactly that many (else IncompleteBody, or InvalidArgument
 * if longer). On any failure the body is gone and the error thrown.
 */
export async function writeEncryptedBody(bodies: ObjectBodies, bodyId: string, pieces: AsyncIterable<Uint8Array>,
  layers: EncryptionMaterials[], limits: { maxBytes: number; contentLength?: number }): Promise<WrittenBody> {
  const encryptors: FramedEncryptor[] = [];
  try {
    for (const materials of layers) encryptors.push(new FramedEncryptor(materials));
  } finally {
    for (const materials of layers) materials.dataKey.fill(0);
  }
  const hasher = etagHasher();
  let size = 0;
  const writer = await bodies.create(bodyId).catch((error: unknown) => {
    encryptors.forEach((e) => e.dispose());
    throw error;
  });
  try {
    for await (const piece of pieces) {
      size += piece.length;
      if (size > limits.maxBytes) throw s3Error('EntityTooLarge', `Body: more than the ${limits.maxBytes} bytes allowed`);
      if (limits.contentLength !== undefined && size > limits.contentLength) {
        throw s3Error('InvalidArgument', `ContentLength: the body is longer than the ${limits.contentLength} bytes declared`);
      }
      hasher.update(piece);
      const sealed = encryptors.reduce<Uint8Array>((bytes, encryptor) => encryptor.update(bytes), piece);
      if (sealed.length > 0) await writer.write(sealed);
    }
    if (limits.contentLength !== undefined && size < limits.contentLength) {
      throw s3Error('IncompleteBody', `Body: ${size} bytes, fewer than the ContentLength of ${limits.contentLength}`);
    }
    const last = encryptors.reduce<Uint8Array>((bytes, encryptor) => encryptor.final(bytes), new Uint8Array(0));
    if (last.length > 0) await writer.write(last);
    await writer.commit();
    return { size, etag: hasher.etag() };
  } catch (error) {
    encryptors.forEach((e) => e.dispose());
    await writer.abort();
    throw error;
  }
}
