// What every ObjectStore operation shares: its KMS, IAM, metadata store and clock, and the checks a
// request passes before any key is touched — who calls, the bucket and key it names, the bucket
// policy and identity policies on the action (bucket-authorizer.ts), and the SSE-C headers it carries.

import type { Clock } from '../core/clock.js';
import type { HostKms } from '../envelope/kms-client.js';
import type { Caller } from '../policy/caller.js';
import { isPrincipalArn, rootArn, type ConditionContext, type Iam } from '../policy/index.js';
import { authorizeS3 } from './bucket-authorizer.js';
import type { ObjectBodies } from './object-bodies.js';
import type { ObjectMetadataStore } from './object-metadata.js';
import type { Bucket } from './object-records.js';
import type { ObjectRequest, PutObjectSettings } from './s3-api-types.js';
import { s3Error } from './s3-errors.js';
import { customerKeyOf, verifyCustomerKey, type CustomerKeyCheck } from './sse-c-keyring.js';

/**
 * The action a request on an object needs: one for the current version, another when it names a
 * VersionId (Service Authorization Reference, "Actions defined by Amazon S3"; e.g. GetObject needs
 * s3:GetObjectVersion for a version, GetObjectTagging s3:GetObjectVersionTagging).
 */
export interface ObjectAction {
  current: string;
  version: string;
}
export const GET_OBJECT: ObjectAction = { current: 's3:GetObject', version: 's3:GetObjectVersion' };
export const GET_OBJECT_TAGGING: ObjectAction = { current: 's3:GetObjectTagging', version: 's3:GetObjectVersionTagging' };

export class ObjectAccess {
  constructor(
    readonly kms: HostKms,
    readonly iam: Iam | undefined,
    readonly state: ObjectMetadataStore,
    readonly clock: Clock,
    private readonly requireSecureTransport: boolean,
  ) {}

  get buckets(): Map<string, Bucket> {
    return this.state.buckets;
  }

  get bodies(): ObjectBodies {
    return this.state.bodies;
  }

  /** Catches up with what other processes changed: the metadata, and the identity policies when they are shared. */
  async load(): Promise<void> {
    if (this.iam?.shared) await Promise.all([this.state.load(), this.iam.refresh()]);
    else await this.state.load();
  }

  who(caller: Caller | undefined): Caller {
    const who = caller ?? { principal: rootArn(this.kms.account) };
    if (!isPrincipalArn(who.principal)) {
      throw s3Error('InvalidArgument', 'caller.principal: expected an IAM or STS ARN');
    }
    return who;
  }

  bucket(name: unknown): Bucket {
    const bucket = this.buckets.get(name as string);
    if (!bucket) throw s3Error('NoSuchBucket', `The specified bucket does not exist: ${String(name)}`);
    return bucket;
  }

  checkKey(key: unknown): string {
    if (typeof key !== 'string' || key.length === 0 || new TextEncoder().encode(key).length > 1024) {
      throw s3Error('InvalidArgument', 'Key: expected 1 to 1024 bytes of UTF-8');
    }
    return key;
  }

  /**
   * Bucket policy and identity policies (bucket-authorizer.ts) on one action, with the request's
   * condition keys and those every S3 request has (s3:ResourceAccount, aws:SecureTransport).
   */
  authorize(who: Caller, action: string, resource: string, bucket: Bucket | undefined, context: ConditionContext, secureTransport?: boolean): void {
    const owner = bucket?.owner ?? this.kms.account;
    authorizeS3({ caller: { ...who, secureTransport: who.secureTransport ?? secureTransport }, action, resource, owner, region: this.kms.region,
      bucketPolicy: bucket?.policy?.document, context: { 's3:ResourceAccount': owner, ...context } }, this.iam);
  }

  authorizedBucket(name: unknown, action: string, caller: Caller | undefined, context: ConditionContext = {}): Bucket {
    const who = this.who(caller);
    const bucket = this.bucket(name);
    this.authorize(who, action, `arn:aws:s3:::${bucket.name}`, bucket, context);
    return bucket;
  }

  authorizedObject(request: ObjectRequest & { VersionId?: string }, action: ObjectAction, caller: Caller | undefined) {
    const who = this.who(caller);
    const bucket = this.bucket(request.Bucket);
    const key = this.checkKey(request.Key);
    const objectArn = `arn:aws:s3:::${bucket.name}/${key}`;
    const versioned = request.VersionId !== undefined;
    this.authorize(who, versioned ? action.version : action.current, objectArn, bucket, { 's3:versionid': request.VersionId }, request.SecureTransport);
    const versions = bucket.objects.get(key) ?? [];
    const object = versioned ? versions.find((v) => v.versionId === request.VersionId) : versions.at(-1);
    if (versioned && !object) throw s3Error('NoSuchKey', `The specified version does not exist: ${request.VersionId}`);
    if (!object || object.deleteMarker) throw s3Error('NoSuchKey', `The specified key does not exist: ${key}`);
    return { object, who, objectArn };
  }

  /** s3:PutObject on the object; policy conditions see the request's headers only, not the bucket default. */
  authorizePut(who: Caller, bucket: Bucket, key: string, request: PutObjectSettings): void {
    const context: ConditionContext = {
      's3:x-amz-server-side-encryption': request.ServerSideEncryption,
      's3:x-amz-server-side-encryption-aws-kms-key-id': request.SSEKMSKeyId,
      's3:x-amz-server-side-encryption-customer-algorithm': request.SSECustomerAlgorithm,
    };
    this.authorize(who, 's3:PutObject', `arn:aws:s3:::${bucket.name}/${key}`, bucket, context, request.SecureTransport);
  }

  /** The request's SSE-C key, which must be present (`missing` says why) and match `check`; the caller zeroes it. */
  matchingCustomerKey(request: ObjectRequest, check: CustomerKeyCheck, missing: string): Uint8Array {
    const key = this.customerKey(request);
    if (!key) throw s3Error('InvalidRequest', missing);
    try {
      verifyCustomerKey(key, check);
    } catch (error) {
      key.fill(0);
      throw error;
    }
    return key;
  }

  /** SSE-C headers, validated; in a store that requires it, only over TLS. */
  customerKey(request: ObjectRequest): Uint8Array | undefined {
    const key = customerKeyOf(request);
    if (key && this.requireSecureTransport && request.SecureTransport !== true) {
      key.fill(0);
      throw s3Error('InvalidRequest', 'SSE-C requests must be made over HTTPS');
    }
    return key;
  }
}
