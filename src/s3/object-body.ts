// An object version's plaintext, from the bodies it is stored in: one body (an object put whole), or a
// completed multipart upload's parts, each as it was stored when uploaded (completion writes only the
// record naming them). Each body is opened only when a read reaches it, through the version's layers
// bound to that body (body-binding.ts): a part moved, reordered, taken from another upload or object,
// cut short or changed fails the read with an AuthenticationError or MessageFormatError; one that is
// gone, with S3's InternalError naming the object and part.

import { partBinding, bindResolver, type BodyBinding } from './body-binding.js';
import { openDecryptedBody, type DecryptedBody } from './body-decryption.js';
import type { Sealing } from './body-encryption.js';
import type { DataKeyResolver } from '../envelope/materials.js';
import type { BodyReader, ObjectBodies } from './object-bodies.js';
import type { StoredObject } from './object-records.js';
import { S3Error, s3Error } from './s3-errors.js';

/** One stored body of a version: where its plaintext starts in the object, its length, and what it must be bound to. */
export interface BodySegment {
  bodyId: string;
  start: number;
  size: number;
  binding: BodyBinding;
}

/** The bodies `object` (at `objectArn`) is served from, in order. */
export function bodySegments(object: StoredObject, objectArn: string): BodySegment[] {
  const parts = object.partBodies;
  if (!parts) return [{ bodyId: object.bodyId, start: 0, size: object.size, binding: { objectArn, versionId: object.versionId } }];
  let start = 0;
  return parts.bodyIds.map((bodyId, i) => {
    const size = object.parts![i]!;
    const segment = { bodyId, start, size, binding: partBinding(objectArn, parts.uploadId, parts.partNumbers[i]!, bodyId) };
    start += size;
    return segment;
  });
}

/**
 * The stored body of `segment`, opened for reading. One that is gone (InternalError from the store)
 * is refused naming the object, and the part, it was to serve.
 */
export async function openSegment(bodies: ObjectBodies, segment: BodySegment): Promise<BodyReader> {
  return bodies.open(segment.bodyId).catch((error: unknown) => {
    if (!(error instanceof S3Error) || error.name !== 'InternalError') throw error;
    const { objectArn, part } = segment.binding;
    throw s3Error('InternalError', `${objectArn}${part === undefined ? '' : ` (${part})`}: ${error.message}`, { cause: error });
  });
}

/** `layers` (outermost first, as ObjectEncryption.layersOf gives them) bound to `segment`'s body. */
export const boundLayers = (layers: readonly DataKeyResolver[], segment: BodySegment): DataKeyResolver[] =>
  layers.map((resolver) => bindResolver(resolver, segment.binding));

/**
 * Opens `object`'s plaintext for reading through `layers`. One body is opened here (its headers
 * checked before this resolves); a version in parts opens each part as `pieces` reaches it and closes
 * it once read, so a range holds one part's frame at a time and reads only the parts it spans.
 * `opening` is where the frames are opened (body-decryption.ts).
 */
export async function openObjectBody(bodies: ObjectBodies, object: StoredObject, objectArn: string, layers: readonly DataKeyResolver[],
  opening: Sealing = 'thread'): Promise<DecryptedBody> {
  const segments = bodySegments(object, objectArn);
  const open = async (segment: BodySegment) => openDecryptedBody(await openSegment(bodies, segment), boundLayers(layers, segment), segment.size, opening);
  if (!object.partBodies) return open(segments[0]!);
  return {
    size: object.size,
    async* pieces(start, end) {
      for (const segment of segments) {
        if (segment.start + segment.size <= start || segment.start >= end) continue;
        const body = await open(segment);
        try {
          yield* body.pieces(Math.max(start - segment.start, 0), Math.min(end, segment.start + segment.size) - segment.start);
        } finally {
          await body.close();
        }
      }
    },
    close: async () => undefined,
  };
}
