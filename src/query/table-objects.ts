// A table's data: the objects under its LOCATION, listed and read through the ObjectStore's public
// API as the caller — so bucket policies, key policies, grants and kms:ViaService decide exactly as
// for the caller's own ListObjectsV2 and GetObject. CSE-KMS objects (S3 Encryption Client v2
// metadata) are read through S3EncryptionClient, KMS called as the caller. Like Athena, objects
// whose names start with '_' or '.' are skipped (Hive's hidden files), and SSE-C and CSE with a
// customer key are not supported: such an object fails the query
// (https://docs.aws.amazon.com/athena/latest/ug/encryption.html). And as the seeds say, Athena runs
// queries only against (encrypted) objects in its own region: a table whose bucket is in another
// region fails the query. An ObjectStore's buckets are all in its KMS's region (ObjectStore.region),
// and so are the keys of its SSE-KMS objects, so that one comparison covers both.

import { AuthenticationError } from '../core/errors.js';
import type { KmsClient } from '../envelope/kms-client.js';
import { KmsError } from '../kms/kms-errors.js';
import type { Caller } from '../policy/caller.js';
import type { RangedPlaintextObject } from '../s3/cse-gcm-ranges.js';
import type { ObjectStore } from '../s3/object-store.js';
import { S3EncryptionClient } from '../s3/s3-encryption-client.js';
import { S3Error } from '../s3/s3-errors.js';
import { QueryFailure } from './athena-errors.js';
import type { ObjectFile } from './duckdb-engine.js';
import { s3Uri, type S3Location } from './s3-location.js';

export interface ObjectAccess {
  s3: ObjectStore;
  kms: KmsClient;
  caller: Caller | undefined;
  /** The region the query runs in. */
  region: string;
}

const STATUS: Record<string, number> = { AccessDenied: 403, NoSuchKey: 404, NoSuchBucket: 404 };

/** An S3 or KMS refusal, or an object that does not authenticate, met while reading `uri`, as Athena's engine reports it. */
export function readFailure(uri: string, error: unknown): never {
  if (error instanceof S3Error) {
    throw new QueryFailure(`HIVE_CANNOT_OPEN_SPLIT: Error opening Hive split ${uri}: ${error.message} `
      + `(Service: Amazon S3; Status Code: ${STATUS[error.name] ?? 400}; Error Code: ${error.name})`, 2, { cause: error });
  }
  if (error instanceof KmsError) {
    throw new QueryFailure(`HIVE_CANNOT_OPEN_SPLIT: Error opening Hive split ${uri}: ${error.message} `
      + `(Service: AWSKMS; Status Code: 400; Error Code: ${error.name})`, 2, { cause: error });
  }
  if (error instanceof AuthenticationError) throw new QueryFailure(`HIVE_CANNOT_OPEN_SPLIT: Error opening Hive split ${uri}: ${error.message}`, 2, { cause: error });
  throw error;
}

/** The keys under the location, in S3's order, skipping folders and hidden files. */
export async function* tableKeys(location: S3Location, access: ObjectAccess): AsyncGenerator<string> {
  if (access.s3.region !== access.region) {
    // What S3 answers a request sent to the wrong region's endpoint, as Athena's engine reports it.
    throw new QueryFailure(`HIVE_CANNOT_OPEN_SPLIT: Error opening Hive split ${s3Uri(location.bucket, location.prefix)}: The bucket is in this region: `
      + `${access.s3.region}. Please use this region to retry the request (Service: Amazon S3; Status Code: 301; Error Code: PermanentRedirect)`);
  }
  let token: string | undefined;
  do {
    const page = await access.s3.listObjectsV2({ Bucket: location.bucket, Prefix: location.prefix, ContinuationToken: token }, access.caller)
      .catch((error: unknown) => readFailure(s3Uri(location.bucket, location.prefix), error));
    for (const { Key } of page.Contents) {
      const name = Key.slice(location.prefix.length);
      if (name === '' || name.endsWith('/') || /(^|\/)[_.]/.test(name)) continue;
      yield Key;
    }
    token = page.NextContinuationToken;
  } while (token !== undefined);
}

/** Pieces a CSE-KMS object's plaintext is read in, in order, when read whole. */
const PIECE_BYTES = 4 << 20;

/** One object's plaintext, in pieces, read as the caller (a CSE-KMS object verified first, then read a range at a time: see objectFile). */
export async function objectPlaintext(bucket: string, key: string, access: ObjectAccess): Promise<AsyncIterable<Uint8Array>> {
  try {
    const head = await readableHead(bucket, key, access);
    if (isCseKms(head.Metadata)) return inPieces(await cseClient(access).openObject({ Bucket: bucket, Key: key, VersionId: head.VersionId }));
    return (await access.s3.getObject({ Bucket: bucket, Key: key }, access.caller)).Body; // streamed: read as the engine takes it
  } catch (error) {
    return readFailure(s3Uri(bucket, key), error);
  }
}

async function* inPieces(object: RangedPlaintextObject): AsyncGenerator<Uint8Array> {
  try {
    for (let offset = 0; offset < object.size; offset += PIECE_BYTES) yield await object.read(offset, PIECE_BYTES);
  } finally {
    object.dispose();
  }
}

/**
 * One object as a file the engine reads by range, each range read as the caller: a ranged
 * GetObject, which decrypts only the frames it touches (SSE-S3, SSE-KMS, DSSE-KMS). A CSE-KMS
 * object is opened with S3EncryptionClient.openObject, which verifies the whole object's GCM tag in
 * one streaming pass before the engine reads anything and then proves each range to be bytes that
 * pass verified: so a tampered object fails the query before any of it reaches the engine, and an
 * object changed during the query fails it rather than feeding it unauthenticated plaintext.
 * `onRead` counts each range's bytes.
 */
export async function objectFile(bucket: string, key: string, access: ObjectAccess, onRead: (bytes: number) => void): Promise<ObjectFile> {
  const uri = s3Uri(bucket, key);
  try {
    const head = await readableHead(bucket, key, access);
    if (isCseKms(head.Metadata)) {
      const object = await cseClient(access).openObject({ Bucket: bucket, Key: key, VersionId: head.VersionId });
      return {
        size: object.size,
        read: (offset, length) => object.read(offset, length).then((bytes) => counted(bytes, onRead), (error: unknown) => readFailure(uri, error)),
        close: () => object.dispose(),
      };
    }
    const size = head.ContentLength;
    return {
      size,
      read: async (offset, length) => {
        if (offset >= size || length === 0) return new Uint8Array(0);
        const range = `bytes=${offset}-${Math.min(offset + length, size) - 1}`;
        try {
          return counted(await (await access.s3.getObject({ Bucket: bucket, Key: key, Range: range }, access.caller)).Body.transformToByteArray(), onRead);
        } catch (error) {
          return readFailure(uri, error);
        }
      },
    };
  } catch (error) {
    return readFailure(uri, error);
  }
}

function counted(bytes: Uint8Array, onRead: (bytes: number) => void): Uint8Array {
  onRead(bytes.length);
  return bytes;
}

const isCseKms = (metadata: Record<string, string>) => metadata['x-amz-wrap-alg'] === 'kms+context';

/** Reading unwraps with the key the object's envelope names; the client's own key id is for writes only. */
const cseClient = (access: ObjectAccess) => new S3EncryptionClient({ s3: access.s3, kms: access.kms, kmsKeyId: '', caller: access.caller });

/** The object's HeadObject as the caller, refusing CSE with a customer master key (Athena reads only SSE-S3, SSE-KMS and CSE-KMS). */
async function readableHead(bucket: string, key: string, access: ObjectAccess) {
  const head = await access.s3.headObject({ Bucket: bucket, Key: key }, access.caller);
  const wrapAlg = head.Metadata['x-amz-wrap-alg'];
  if (head.Metadata['x-amz-key-v2'] !== undefined && wrapAlg !== 'kms+context') {
    throw new QueryFailure(`HIVE_CANNOT_OPEN_SPLIT: Error opening Hive split ${s3Uri(bucket, key)}: the object is encrypted on the client with a customer `
      + `master key (x-amz-wrap-alg ${String(wrapAlg)}); Athena reads only SSE-S3, SSE-KMS and CSE-KMS objects`);
  }
  return head;
}
