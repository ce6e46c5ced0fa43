// Volumes' and snapshots' XTS data keys: 64 bytes from the KMS, bound to the volume's or
// snapshot's ARN as encryption context; only the wrapped key is stored in the record.

import { base64ToBytes, bytesToBase64 } from '../core/base64.js';
import { xts } from '../core/xts.js';
import type { Caller } from '../policy/caller.js';
import type { SnapshotRecord, VolumeRecord } from './block-records.js';
import { EC2, type EbsCalls } from './ebs-calls.js';
import type { SectorStorage } from './sector-storage.js';

const XTS_DATA_KEY_BYTES = 64;

/** The key new encrypted volumes use when none is named: the account's default, or EBS's AWS managed key. */
export async function defaultKeyId(calls: EbsCalls): Promise<string> {
  return calls.state.defaultKmsKeyId ?? calls.kms.awsManagedKeyId('ebs');
}

/**
 * A fresh data key under `keyId` for `target`. With `plaintextSectors`, those stored sectors are
 * encrypted in place with it (an unencrypted snapshot becoming encrypted).
 */
export async function newDataKey(calls: EbsCalls, target: VolumeRecord | SnapshotRecord, keyId: string, arn: string, who: Caller,
  plaintextSectors?: SectorStorage): Promise<void> {
  const request = { KeyId: keyId, NumberOfBytes: XTS_DATA_KEY_BYTES, EncryptionContext: { 'aws:ec2:arn': arn } };
  const via = { principal: who.principal, viaService: EC2 };
  if (!plaintextSectors) {
    const { CiphertextBlob, KeyId } = await calls.kms.generateDataKeyWithoutPlaintext(request, via);
    Object.assign(target, { KmsKeyId: KeyId, wrappedDataKey: bytesToBase64(CiphertextBlob) });
    return;
  }
  const { CiphertextBlob, KeyId, Plaintext } = await calls.kms.generateDataKey(request, via);
  const cipher = xts(Plaintext);
  Plaintext.fill(0);
  try {
    for (const sector of await plaintextSectors.writtenSectors()) {
      const bytes = await plaintextSectors.read(sector, 1);
      await plaintextSectors.write(sector, cipher.encryptSectorsInPlace(bytes, BigInt(sector), target.sectorSize));
    }
  } finally {
    cipher.dispose();
  }
  Object.assign(target, { KmsKeyId: KeyId, wrappedDataKey: bytesToBase64(CiphertextBlob) });
}

/** The same data key, re-encrypted by the KMS for `target`'s ARN (and possibly another key). */
export async function rewrapFrom(calls: EbsCalls, source: VolumeRecord | SnapshotRecord, target: VolumeRecord | SnapshotRecord, keyId: string,
  targetArn: string, who: Caller): Promise<void> {
  const { CiphertextBlob, KeyId } = await calls.kms.reEncrypt({
    CiphertextBlob: base64ToBytes(source.wrappedDataKey!), SourceEncryptionContext: { 'aws:ec2:arn': arnOf(calls, source) },
    DestinationKeyId: keyId, DestinationEncryptionContext: { 'aws:ec2:arn': targetArn },
  }, { principal: who.principal, viaService: EC2 });
  Object.assign(target, { KmsKeyId: KeyId, wrappedDataKey: bytesToBase64(CiphertextBlob) });
}

/** The ARN a record's data key is bound to: snapshots have a StartTime, volumes a CreateTime. */
function arnOf(calls: EbsCalls, record: VolumeRecord | SnapshotRecord): string {
  return 'StartTime' in record ? calls.arn('snapshot', record.SnapshotId) : calls.arn('volume', record.VolumeId);
}
