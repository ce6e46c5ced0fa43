// The ObjectStore's bucket operations: create, list and delete buckets, and their settings (default
// encryption, versioning, bucket policy), each change made on current state as one recorded change.

import type { Caller } from '../policy/caller.js';
import { parsePolicy, type PolicyDocument } from '../policy/index.js';
import type { ObjectAccess } from './object-access.js';
import { bucketRecord, dropBucketRecord } from './object-metadata.js';
import { BASE_ENCRYPTION_RULE, SSE_VALUES, type Bucket, type StoredObject } from './object-records.js';
import { malformedS3Request } from './request-shapes.js';
import type {
  CreateBucketOutput, CreateBucketRequest, DeleteBucketOutput, DeleteBucketRequest, GetBucketEncryptionOutput, GetBucketEncryptionRequest,
  GetBucketPolicyOutput, GetBucketPolicyRequest, GetBucketVersioningOutput, GetBucketVersioningRequest, ListBucketsOutput, ListBucketsRequest,
  PutBucketEncryptionOutput, PutBucketEncryptionRequest, PutBucketPolicyOutput, PutBucketPolicyRequest, PutBucketVersioningOutput, PutBucketVersioningRequest,
} from './s3-api-types.js';
import { s3Error } from './s3-errors.js';
import { SortedObjectMap } from './sorted-object-map.js';

const BUCKET_NAME = /^(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export class BucketOperations {
  constructor(private readonly access: ObjectAccess) {}

  /** Sets some of a bucket's settings on current state (the bucket may have gone meanwhile), recorded as one change. */
  private changeBucket(name: string, settings: Partial<Pick<Bucket, 'rule' | 'policy' | 'versioning'>>): Promise<void> {
    return this.access.state.change(() => {
      const bucket = this.access.bucket(name);
      const previous = Object.fromEntries(Object.keys(settings).map((setting) => [setting, bucket[setting as keyof typeof settings]]));
      Object.assign(bucket, settings);
      return { record: bucketRecord(bucket), undo: () => Object.assign(bucket, previous) };
    });
  }

  async createBucket(request: CreateBucketRequest, caller?: Caller): Promise<CreateBucketOutput> {
    const malformed = malformedS3Request('CreateBucket', request); if (malformed) return malformed;
    await this.access.load();
    const who = this.access.who(caller);
    if (typeof request.Bucket !== 'string' || !BUCKET_NAME.test(request.Bucket) || request.Bucket.includes('..')) {
      throw s3Error('InvalidBucketName', `Bucket: ${String(request.Bucket)} is not a valid bucket name (3-63 lowercase letters, digits, dots, hyphens)`);
    }
    this.access.authorize(who, 's3:CreateBucket', `arn:aws:s3:::${request.Bucket}`, undefined, {});
    const bucket: Bucket = { name: request.Bucket, owner: this.access.kms.account, created: this.access.clock.now(), objects: new SortedObjectMap<StoredObject[]>() };
    await this.access.state.change(() => {
      if (this.access.buckets.has(bucket.name)) throw s3Error('BucketAlreadyOwnedByYou', `${bucket.name} already exists`);
      this.access.buckets.set(bucket.name, bucket);
      return { record: bucketRecord(bucket), undo: () => this.access.buckets.get(bucket.name) === bucket && this.access.buckets.delete(bucket.name) };
    });
    return { Location: `/${request.Bucket}` };
  }

  async putBucketEncryption(request: PutBucketEncryptionRequest, caller?: Caller): Promise<PutBucketEncryptionOutput> {
    const malformed = malformedS3Request('PutBucketEncryption', request); if (malformed) return malformed;
    await this.access.load();
    const bucket = this.access.authorizedBucket(request.Bucket, 's3:PutEncryptionConfiguration', caller);
    const rules = request.ServerSideEncryptionConfiguration?.Rules;
    const rule = Array.isArray(rules) && rules.length === 1 ? rules[0]! : undefined;
    const algorithm = rule?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm;
    if (!rule || !SSE_VALUES.includes(algorithm as string)) {
      throw s3Error('InvalidArgument', 'ServerSideEncryptionConfiguration: expected one rule with SSEAlgorithm AES256, aws:kms or aws:kms:dsse');
    }
    if (algorithm === 'AES256' && rule.ApplyServerSideEncryptionByDefault.KMSMasterKeyID !== undefined) {
      throw s3Error('InvalidArgument', 'KMSMasterKeyID: only with SSEAlgorithm aws:kms');
    }
    await this.changeBucket(bucket.name, { rule: structuredClone(rule) });
    return {};
  }

  async getBucketEncryption(request: GetBucketEncryptionRequest, caller?: Caller): Promise<GetBucketEncryptionOutput> {
    const malformed = malformedS3Request('GetBucketEncryption', request); if (malformed) return malformed;
    await this.access.load();
    const bucket = this.access.authorizedBucket(request.Bucket, 's3:GetEncryptionConfiguration', caller);
    return { ServerSideEncryptionConfiguration: { Rules: [structuredClone(bucket.rule ?? BASE_ENCRYPTION_RULE)] } };
  }

  /** Resets the bucket's default encryption to SSE-S3, the base level every bucket has (S3 DeleteBucketEncryption, action s3:PutEncryptionConfiguration). */
  deleteBucketEncryption(request: { Bucket: string }, caller?: Caller) {
    return this.clearBucketSetting('DeleteBucketEncryption', 's3:PutEncryptionConfiguration', 'rule', request, caller);
  }

  /** Removes one of a bucket's settings (there or not), recorded like any change to the bucket. */
  private async clearBucketSetting(operation: 'DeleteBucketEncryption' | 'DeleteBucketPolicy', action: string, setting: 'rule' | 'policy',
    request: { Bucket: string }, caller: Caller | undefined) {
    const malformed = malformedS3Request(operation, request); if (malformed) return malformed;
    await this.access.load();
    const bucket = this.access.authorizedBucket(request.Bucket, action, caller);
    await this.changeBucket(bucket.name, { [setting]: undefined });
    return {};
  }

  /** Public policies (an Allow to Principal "*") are refused, as S3's Block Public Access does. */
  async putBucketVersioning(request: PutBucketVersioningRequest, caller?: Caller): Promise<PutBucketVersioningOutput> {
    const malformed = malformedS3Request('PutBucketVersioning', request); if (malformed) return malformed;
    await this.access.load();
    const bucket = this.access.authorizedBucket(request.Bucket, 's3:PutBucketVersioning', caller);
    const status = request.VersioningConfiguration?.Status;
    if (status !== 'Enabled' && status !== 'Suspended') throw s3Error('InvalidArgument', 'VersioningConfiguration.Status: expected Enabled or Suspended');
    await this.changeBucket(bucket.name, { versioning: status });
    return {};
  }

  async getBucketVersioning(request: GetBucketVersioningRequest, caller?: Caller): Promise<GetBucketVersioningOutput> {
    const malformed = malformedS3Request('GetBucketVersioning', request); if (malformed) return malformed;
    await this.access.load();
    const bucket = this.access.authorizedBucket(request.Bucket, 's3:GetBucketVersioning', caller);
    return { Status: bucket.versioning };
  }

  async putBucketPolicy(request: PutBucketPolicyRequest, caller?: Caller): Promise<PutBucketPolicyOutput> {
    const malformed = malformedS3Request('PutBucketPolicy', request); if (malformed) return malformed;
    await this.access.load();
    const bucket = this.access.authorizedBucket(request.Bucket, 's3:PutBucketPolicy', caller);
    let document: PolicyDocument;
    try {
      document = parsePolicy(request.Policy, true);
    } catch (error) {
      throw s3Error('MalformedPolicy', (error as Error).message);
    }
    const isPublic = document.statements.some((s) => s.effect === 'Allow'
      && (s.principal === '*' || (typeof s.principal === 'object' && s.principal.AWS.includes('*'))));
    if (isPublic) throw s3Error('AccessDenied', `${bucket.name}: public bucket policies are blocked (an Allow statement names Principal "*")`);
    await this.changeBucket(bucket.name, { policy: { text: request.Policy, document } });
    return {};
  }

  /** The bucket's policy document as it was put (S3 GetBucketPolicy); NoSuchBucketPolicy when it has none. */
  async getBucketPolicy(request: GetBucketPolicyRequest, caller?: Caller): Promise<GetBucketPolicyOutput> {
    const malformed = malformedS3Request('GetBucketPolicy', request); if (malformed) return malformed;
    await this.access.load();
    const bucket = this.access.authorizedBucket(request.Bucket, 's3:GetBucketPolicy', caller);
    if (!bucket.policy) throw s3Error('NoSuchBucketPolicy', `${bucket.name} has no bucket policy`);
    return { Policy: bucket.policy.text };
  }

  /** Removes the bucket's policy (S3 DeleteBucketPolicy: 204 whether or not it had one). */
  deleteBucketPolicy(request: { Bucket: string }, caller?: Caller) {
    return this.clearBucketSetting('DeleteBucketPolicy', 's3:DeleteBucketPolicy', 'policy', request, caller);
  }

  /** The account's buckets by name (S3 ListBuckets, action s3:ListAllMyBuckets). */
  async listBuckets(request: ListBucketsRequest = {}, caller?: Caller): Promise<ListBucketsOutput> {
    const malformed = malformedS3Request('ListBuckets', request); if (malformed) return malformed;
    await this.access.load();
    this.access.authorize(this.access.who(caller), 's3:ListAllMyBuckets', '*', undefined, {});
    const buckets = [...this.access.buckets.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
    return { Buckets: buckets.map((b) => ({ Name: b.name, CreationDate: b.created })), Owner: { ID: this.access.kms.account } };
  }

  /** Removes an empty bucket (S3 DeleteBucket: BucketNotEmpty while any object version or delete marker is left). */
  async deleteBucket(request: DeleteBucketRequest, caller?: Caller): Promise<DeleteBucketOutput> {
    const malformed = malformedS3Request('DeleteBucket', request); if (malformed) return malformed;
    await this.access.load();
    const bucket = this.access.authorizedBucket(request.Bucket, 's3:DeleteBucket', caller);
    await this.access.state.change(() => {
      const current = this.access.bucket(bucket.name);
      if (current.objects.size > 0) throw s3Error('BucketNotEmpty', `${current.name} is not empty: delete its objects (and their versions) first`);
      this.access.buckets.delete(current.name);
      return { record: dropBucketRecord(current), undo: () => this.access.buckets.has(current.name) || this.access.buckets.set(current.name, current) };
    });
    return {};
  }
}
