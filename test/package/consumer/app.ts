// A consumer of the default entry: the named request/response types and enum unions, used as an
// application would. Type-checked, never run (consumer-types.test.ts).
import {
  BlockStore, gcm, KeyManagementService, ObjectStore, S3EncryptionClient, encryptStream, type CreateKeyRequest, type CreateKeyResponse,
  type DecryptRequest, type GenerateDataKeyResponse, type KeyState, type KeySpec, type GrantOperation, type PutObjectRequest,
  type GetObjectOutput, type ServerSideEncryption, type CreateVolumeRequest, type Volume, type KmsError,
  type CreateVolumeResult, type DescribeVolumesResult, type VolumeState, type CreateSnapshotRequest, type CreateSnapshotResult,
  type CopySnapshotResult, type DeleteVolumeResult, type EnableEbsEncryptionByDefaultResult, type ResetEbsDefaultKmsKeyIdResult,
} from 'kms-wasm';

export async function use(): Promise<void> {
  const kms = new KeyManagementService({ account: '111122223333', region: 'us-east-1' });
  const request: CreateKeyRequest = { Description: 'app', KeyUsage: 'ENCRYPT_DECRYPT', Origin: 'AWS_KMS', Tags: [{ TagKey: 'team', TagValue: 'a' }] };
  const created: CreateKeyResponse = await kms.createKey(request);
  const state: KeyState = created.KeyMetadata.KeyState;
  const spec: KeySpec = created.KeyMetadata.KeySpec;
  const dataKey: GenerateDataKeyResponse = await kms.generateDataKey({ KeyId: created.KeyMetadata.KeyId, KeySpec: 'AES_256' });
  const decrypt: DecryptRequest = { CiphertextBlob: dataKey.CiphertextBlob, EncryptionContext: { app: 'consumer' } };
  const plaintext: Uint8Array = (await kms.decrypt(decrypt)).Plaintext;
  const operations: GrantOperation[] = ['Decrypt', 'RetireGrant'];
  const sealed: Uint8Array = gcm(plaintext, new Uint8Array(12)).encrypt(new Uint8Array(1));
  const s3 = new ObjectStore({ kms });
  const sse: ServerSideEncryption = 'aws:kms';
  const put: PutObjectRequest = { Bucket: 'b', Key: 'k', Body: sealed, ServerSideEncryption: sse };
  await s3.putObject(put);
  const got: GetObjectOutput = await s3.getObject({ Bucket: 'b', Key: 'k' });
  const cse = new S3EncryptionClient({ s3, kms, kmsKeyId: created.KeyMetadata.Arn });
  await cse.putObject({ Bucket: 'b', Key: 'c', Body: 'text', EncryptionContext: { a: 'b' } });
  const ec2 = new BlockStore({ kms });
  const volumeRequest: CreateVolumeRequest = { Size: 1, Encrypted: true };
  const volume: Volume = await ec2.createVolume(volumeRequest);
  const plain: CreateVolumeResult = await ec2.createVolume({ Size: 1 });
  const volumes: DescribeVolumesResult = await ec2.describeVolumes({ VolumeIds: [volume.VolumeId] });
  const volumeState: VolumeState = volumes.Volumes[0]!.State;
  const snapshotRequest: CreateSnapshotRequest = { VolumeId: volume.VolumeId, Description: 'nightly' };
  const snapshot: CreateSnapshotResult = await ec2.createSnapshot(snapshotRequest);
  const copy: CopySnapshotResult = await ec2.copySnapshot({ SourceSnapshotId: snapshot.SnapshotId, Encrypted: true });
  const byDefault: EnableEbsEncryptionByDefaultResult = await ec2.enableEbsEncryptionByDefault();
  const reset: ResetEbsDefaultKmsKeyIdResult = await ec2.resetEbsDefaultKmsKeyId();
  const deleted: DeleteVolumeResult = await ec2.deleteVolume({ VolumeId: plain.VolumeId });
  const stream = encryptStream({ dataKey: plaintext, encryptionContext: {}, wrappedKeys: [] });
  const failure = await kms.describeKey({ KeyId: 'nope' }).catch((error: KmsError) => error.name);
  void [state, spec, operations, got, volume, volumeState, copy, byDefault.EbsEncryptionByDefault, reset.KmsKeyId, deleted, stream, failure];

  // Enum typos fail to compile.
  // @ts-expect-error: not a KeyUsage
  await kms.createKey({ KeyUsage: 'ENCRYPT_DECRYPTT' });
  // @ts-expect-error: not a data key spec
  await kms.generateDataKey({ KeyId: 'k', KeySpec: 'AES_512' });
  // @ts-expect-error: not a ServerSideEncryption
  await s3.putObject({ Bucket: 'b', Key: 'k', Body: 'x', ServerSideEncryption: 'aws:kmss' });
  // @ts-expect-error: Size is a number
  await ec2.createVolume({ Size: '1' });
  // @ts-expect-error: VolumeIds is a list
  await ec2.describeVolumes({ VolumeIds: 'vol-1' });
  // @ts-expect-error: not a VolumeState
  const typo: VolumeState = 'in_use';
  void typo;
}
