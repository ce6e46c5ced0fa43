// Writing and deleting objects: a PUT encrypts its body to a fresh body file as it reads it, then
// records the version on current state (the bucket may have changed meanwhile), then removes the
// bodies it replaced; a DELETE removes versions or adds a delete marker. With versioning enabled,
// every PUT adds a version (each with its own data key) and DELETE adds a delete marker.

import type { EncryptionMaterials } from '../envelope/materials.js';
import type { Caller } from '../policy/caller.js';
import { bindMaterials } from './body-binding.js';
import { writeEncryptedBody, type Sealing } from './body-encryption.js';
import type { ObjectAccess } from './object-access.js';
import { bodyPieces, checkContentLength } from './object-bytes.js';
import { checkSseHeaders, sseHeaders, type ObjectEncryption } from './object-encryption.js';
import { dropRecord, putRecord, type ObjectRecord } from './object-metadata.js';
import { addVersion, bodyIdsOf, defaultEncryption, newVersionId, restoreVersions, type StoredObject } from './object-records.js';
import type { DeleteObjectOutput, DeleteObjectRequest, PutObjectOutput, PutObjectRequest } from './s3-api-types.js';
import { malformedS3Request } from './request-shapes.js';
import { s3Error } from './s3-errors.js';

export class ObjectWrites {
  constructor(private readonly access: ObjectAccess, private readonly encryption: ObjectEncryption, private readonly sealing: Sealing = 'thread') {}

  /** putObject's work. */
  async storeObject(request: PutObjectRequest, caller: Caller | undefined, maxBytes: number): Promise<PutObjectOutput> {
    await this.access.load();
    const who = this.access.who(caller);
    const bucket = this.access.bucket(request.Bucket);
    const key = this.access.checkKey(request.Key);
    const objectArn = `arn:aws:s3:::${bucket.name}/${key}`;
    const header = checkSseHeaders(request);
    const contentLength = checkContentLength(request.ContentLength, maxBytes);
    this.access.authorizePut(who, bucket, key, request);
    const pieces = bodyPieces(request.Body);
    const customerKey = this.access.customerKey(request);
    if (customerKey && header !== undefined) {
      customerKey.fill(0);
      throw s3Error('InvalidArgument', 'SSE-C headers and ServerSideEncryption cannot be combined');
    }
    const sse = customerKey ? undefined : defaultEncryption(bucket, header);
    const object: StoredObject = {
      versionId: bucket.versioning === 'Enabled' ? newVersionId() : 'null', bodyId: crypto.randomUUID(), size: 0, etag: '', lastModified: this.access.clock.now(), sse,
      contentType: request.ContentType, metadata: { ...(request.Metadata ?? {}) },
    };
    const binding = { objectArn, versionId: object.versionId };
    // The layers' materials, innermost first, all obtained before the body is read.
    const layers: EncryptionMaterials[] = [];
    try {
      await this.encryption.addLayers(layers, { request, who, bucket, objectArn, sse, customerKey, object });
      // The body first, under a fresh name; then the record that points at it; then old bodies go.
      Object.assign(object, await writeEncryptedBody(this.access.bodies, object.bodyId, pieces, layers.map((m) => bindMaterials(m, binding)),
        { maxBytes, contentLength, sha256: request.ContentSHA256 }, this.sealing));
    } catch (error) {
      layers.forEach((m) => m.dataKey.fill(0));
      throw error;
    } finally {
      customerKey?.fill(0);
    }
    if (request.VerifiedChecksums?.size) object.checksums = Object.fromEntries(request.VerifiedChecksums);
    let replaced: StoredObject[] = [];
    try {
      // On current state: the bucket may have gone (or its versions changed) while the body was written.
      await this.access.state.change(() => {
        const current = this.access.bucket(bucket.name);
        const before = current.objects.get(key);
        replaced = addVersion(current, key, object);
        const after = current.objects.get(key);
        return { record: putRecord(current, key, object), undo: () => restoreVersions(current, key, before, after) };
      });
    } catch (error) {
      await this.access.bodies.remove(object.bodyId);
      throw error;
    }
    await Promise.all(replaced.flatMap(bodyIdsOf).map((id) => this.access.bodies.remove(id)));
    return { ETag: object.etag, VersionId: bucket.versioning ? object.versionId : undefined, ...sseHeaders(object) };
  }

  /** Without VersionId: removes the object, or with versioning enabled adds a delete marker. With it: removes that version. */
  async deleteObject(request: DeleteObjectRequest, caller?: Caller): Promise<DeleteObjectOutput> {
    const malformed = malformedS3Request('DeleteObject', request); if (malformed) return malformed;
    await this.access.load();
    const who = this.access.who(caller);
    const bucket = this.access.bucket(request.Bucket);
    const key = this.access.checkKey(request.Key);
    this.access.authorize(who, request.VersionId === undefined ? 's3:DeleteObject' : 's3:DeleteObjectVersion', `arn:aws:s3:::${bucket.name}/${key}`,
      bucket, { 's3:versionid': request.VersionId });
    let gone: StoredObject[] = [];
    let output: DeleteObjectOutput = {};
    await this.access.state.change(() => {
      const current = this.access.bucket(bucket.name);
      const before = current.objects.get(key);
      const existing = before ?? [];
      let record: ObjectRecord;
      if (request.VersionId !== undefined) {
        const versions = existing.filter((v) => v.versionId !== request.VersionId);
        if (versions.length > 0) current.objects.set(key, versions);
        else current.objects.delete(key);
        gone = existing.filter((v) => v.versionId === request.VersionId);
        record = dropRecord(current, key, request.VersionId);
        output = { VersionId: request.VersionId };
      } else if (current.versioning === undefined) {
        current.objects.delete(key);
        gone = existing;
        record = dropRecord(current, key);
      } else {
        const marker: StoredObject = { versionId: current.versioning === 'Enabled' ? newVersionId() : 'null', deleteMarker: true, bodyId: crypto.randomUUID(),
          size: 0, etag: '', lastModified: this.access.clock.now(), metadata: {} };
        gone = addVersion(current, key, marker);
        record = putRecord(current, key, marker);
        output = { DeleteMarker: true, VersionId: marker.versionId };
      }
      const after = current.objects.get(key);
      return { record, undo: () => restoreVersions(current, key, before, after) };
    });
    await Promise.all(gone.flatMap(bodyIdsOf).map((id) => this.access.bodies.remove(id)));
    return output;
  }
}
