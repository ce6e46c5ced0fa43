// Reading objects: getObject's Body is a stream shaped as the AWS SDK's (streaming-body.ts),
// decrypting one frame at a time, a Range or part only the frames it needs; headObject checks what
// a read would (s3:GetObject, the SSE-C key, kms:Decrypt of the outer layer) without the body.

import type { Caller } from '../policy/caller.js';
import { openRangedMessage } from '../envelope/ranged-decrypt.js';
import { parseRange, partRange } from './byte-range.js';
import type { Sealing } from './body-encryption.js';
import { bodySegments, boundLayers, openObjectBody, openSegment } from './object-body.js';
import { GET_OBJECT, GET_OBJECT_TAGGING, type ObjectAccess } from './object-access.js';
import { sseHeaders, type ObjectEncryption } from './object-encryption.js';
import { fromKms } from './sse-kms.js';
import type { StoredObject } from './object-records.js';
import { malformedS3Request } from './request-shapes.js';
import type { GetObjectOutput, GetObjectRequest, GetObjectTaggingOutput, GetObjectTaggingRequest, HeadObjectOutput, HeadObjectRequest } from './s3-api-types.js';
import { s3Error } from './s3-errors.js';
import { started, streamingBody } from './streaming-body.js';

export class ObjectReads {
  /** `opening`: where a body's frames are opened ('pool': on the worker pool, as ObjectWrites seals them). */
  constructor(private readonly access: ObjectAccess, private readonly encryption: ObjectEncryption, private readonly opening: Sealing = 'thread') {}

  /**
   * Reads an object. `Body` is a stream shaped as the AWS SDK's (streaming-body.ts): read it with
   * `transformToByteArray()`, `transformToString()`, `transformToWebStream()` or `for await`. The key,
   * the headers and the first frame are checked before this resolves; each later frame as it is read.
   */
  async getObject(request: GetObjectRequest, caller?: Caller): Promise<GetObjectOutput> {
    const malformed = malformedS3Request('GetObject', request); if (malformed) return malformed;
    await this.access.load();
    const { object, who, objectArn } = this.access.authorizedObject(request, GET_OBJECT, caller);
    const layers = this.encryption.layersOf(object, objectArn, who, request);
    let handedOver = false;
    try {
      const { start, end, ...selected } = ObjectReads.selection(object, request);
      const body = await openObjectBody(this.access.bodies, object, objectArn, layers, this.opening).catch(fromKms);
      // The layers (an SSE-C key) live as long as the read: an object served from its parts opens each part as the read reaches it.
      handedOver = true;
      const pieces = (async function* () {
        try {
          yield* body.pieces(start, end);
        } catch (error) {
          fromKms(error);
        } finally {
          await body.close();
          layers.dispose();
        }
      })();
      return { Body: streamingBody(await started(pieces)), ContentLength: end - start, ...selected,
        ...ObjectReads.headers(object), ...ObjectReads.checksumsOf(object, request) };
    } finally {
      if (!handedOver) layers.dispose();
    }
  }

  /** Metadata only. Like S3, it checks s3:GetObject, the SSE-C key, and for SSE-KMS that the caller may decrypt. */
  async headObject(request: HeadObjectRequest, caller?: Caller): Promise<HeadObjectOutput> {
    const malformed = malformedS3Request('HeadObject', request); if (malformed) return malformed;
    await this.access.load();
    const { object, who, objectArn } = this.access.authorizedObject(request, GET_OBJECT, caller);
    const layers = this.encryption.layersOf(object, objectArn, who, request);
    try {
      const { start, end, ...selected } = ObjectReads.selection(object, request);
      if (object.sse === 'aws:kms' || object.sse === 'aws:kms:dsse') {
        // The outer layer's header only (of the first part, for an object served from its parts): its data key comes from KMS as the caller (kms:Decrypt).
        const first = bodySegments(object, objectArn)[0]!;
        const reader = await openSegment(this.access.bodies, first);
        try {
          (await openRangedMessage((offset, length) => reader.read(offset, length), reader.size, boundLayers(layers, first)[0]!).catch(fromKms)).dispose();
        } finally {
          await reader.close();
        }
      }
      return { ContentLength: end - start, ...selected, ...ObjectReads.headers(object), ...ObjectReads.checksumsOf(object, request) };
    } finally {
      layers.dispose();
    }
  }

  /**
   * The object's tags (S3 GetObjectTagging): an empty TagSet, as this store keeps no tags. As S3, it
   * needs s3:GetObjectTagging, or s3:GetObjectVersionTagging with a VersionId, and neither the SSE-C key
   * nor KMS (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectTagging.html).
   */
  async getObjectTagging(request: GetObjectTaggingRequest, caller?: Caller): Promise<GetObjectTaggingOutput> {
    const malformed = malformedS3Request('GetObjectTagging', request); if (malformed) return malformed;
    await this.access.load();
    const { object } = this.access.authorizedObject(request, GET_OBJECT_TAGGING, caller);
    return { TagSet: [], VersionId: ObjectReads.headers(object).VersionId };
  }

  /**
   * The stored checksums and their type, for a read that asks for them (ChecksumMode ENABLED): of the
   * whole object, or with PartNumber that part's checksum as its upload computed it (S3 User Guide,
   * "Checking object integrity": a part's checksum is retrieved with GetObject or HeadObject and its
   * part number). Never for a Range, nor for part 1 of an object put whole: a ranged read gets no whole-object checksum.
   */
  private static checksumsOf(object: StoredObject, request: { ChecksumMode?: 'ENABLED'; Range?: string; PartNumber?: number }) {
    if (request.ChecksumMode !== 'ENABLED' || request.Range !== undefined || !object.checksums) return {};
    const type = { ChecksumType: object.checksumType ?? 'FULL_OBJECT' as const };
    if (request.PartNumber === undefined) return { ...object.checksums, ...type };
    const part = object.partChecksums?.[request.PartNumber - 1];
    return part === undefined ? {} : { [Object.keys(object.checksums)[0]!]: part, ...type };
  }

  /**
   * The bytes a read asks for: a Range, a part (PartNumber; PartsCount for an object uploaded in
   * parts), or the whole object (no ContentRange). Range and PartNumber together are refused, as S3 does.
   */
  private static selection(object: StoredObject, request: { Range?: string; PartNumber?: number }) {
    let [start, end] = [0, object.size];
    if (request.PartNumber !== undefined) {
      if (request.Range !== undefined) throw s3Error('InvalidRequest', 'Cannot specify both Range header and partNumber query parameter');
      [start, end] = partRange(object.parts ?? [object.size], request.PartNumber);
    } else if (request.Range !== undefined) {
      [start, end] = parseRange(request.Range, object.size);
    }
    const ranged = request.PartNumber !== undefined || request.Range !== undefined;
    return { start, end, ContentRange: ranged && end > start ? `bytes ${start}-${end - 1}/${object.size}` : undefined,
      PartsCount: request.PartNumber === undefined ? undefined : object.parts?.length };
  }

  private static headers(object: StoredObject) {
    return {
      VersionId: object.versionId === 'null' ? undefined : object.versionId, ETag: object.etag, LastModified: object.lastModified, ContentType: object.contentType, Metadata: { ...object.metadata },
      ...sseHeaders(object),
    };
  }
}
