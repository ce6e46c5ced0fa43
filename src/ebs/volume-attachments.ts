// Attachments: AttachVolume checks ec2:AttachVolume, then, as the caller through EC2, creates a grant
// for the instance and decrypts the volume's data key with it; DetachVolume retires the grant and
// zeroes the key. The key lives only in the attaching process's memory, so an attachment lives only
// as long as its process: the store reports those whose process is gone (block-metadata.ts,
// orphanedAttachments), and they are ended here — their grants retired, which would otherwise let
// those instances decrypt the volume key for ever — and dropped. So that no crash leaves a grant the
// store does not know of, an attachment is recorded before its grant is created (a crash in between:
// the grant is found again by its Name, see end()), and a detached one stays recorded as retiring
// until its grant is retired.

import { base64ToBytes } from '../core/base64.js';
import { parallelXts } from '../core/parallel.js';
import { SerialQueue } from '../core/serial-queue.js';
import { xts } from '../core/xts.js';
import { KmsError } from '../kms/kms-errors.js';
import type { Caller } from '../policy/caller.js';
import { attachmentIdentity } from './block-metadata.js';
import { attachmentsOf, type Attachment, type FoundAttachment, type VolumeRecord } from './block-records.js';
import type { AttachVolumeRequest, DetachVolumeRequest, DetachVolumeResult } from './ec2-api-types.js';
import { ec2Error } from './ec2-errors.js';
import { EC2, type EbsCalls } from './ebs-calls.js';
import { VolumeHandle, type VolumeCiphers } from './volume-handle.js';

const GiB = 1024 ** 3;

export class VolumeAttachments {
  /**
   * This process's attachments' handles and keys, by `${VolumeId}/${InstanceId}`, with the identity of
   * the attachment each belongs to: the same pair may be another process's attachment by now (detached
   * there, and attached anew).
   */
  private readonly live = new Map<string, { handle: VolumeHandle; ciphers?: VolumeCiphers; identity: string }>();
  /** Per volume, shared by all its attachments: writes run one after another (see VolumeHandle.write). */
  private readonly volumeWrites = new Map<string, SerialQueue>();

  constructor(private readonly calls: EbsCalls) {}

  /** Attaches a volume to an instance and returns the handle that reads and writes it. */
  attachVolume(request: AttachVolumeRequest, caller?: Caller): Promise<VolumeHandle> {
    const { calls } = this;
    return calls.run(async () => {
      await this.endOrphaned(); // a volume attached by a process that died is attachable again
      const volume = calls.volume(request.VolumeId);
      const who = calls.authorize(caller, 'ec2:AttachVolume', calls.arn('volume', volume.VolumeId), calls.volumeConditions(volume));
      if (!/^i-[0-9a-f]{8,17}$/.test(request.InstanceId)) { // a string: BlockStore checked the request's shape
        throw ec2Error('InvalidParameterValue', `InstanceId: expected i- followed by 8 to 17 hex digits, got ${request.InstanceId}`);
      }
      const attachment: Attachment = { InstanceId: request.InstanceId, AttachTime: calls.clock.now().toISOString(),
        ...(volume.Encrypted ? { attachedBy: who.principal } : {}) };
      const found = { ...attachment, VolumeId: volume.VolumeId };
      // Recorded first: a crash once the grant exists must leave a record that leads to it.
      await calls.commit({ attachment: found }, () => {
        const current = calls.volume(volume.VolumeId);
        if (current.attachments.some((a) => a.InstanceId === request.InstanceId)) {
          throw ec2Error('VolumeInUse', `${volume.VolumeId} is already attached to ${request.InstanceId}`);
        }
        if (calls.state.retiring?.some((a) => a.VolumeId === volume.VolumeId && a.InstanceId === request.InstanceId)) {
          throw ec2Error('VolumeInUse', `${volume.VolumeId} is being detached from ${request.InstanceId}`);
        }
      });
      const instance = calls.instancePrincipal(request.InstanceId);
      const liveKey = `${volume.VolumeId}/${request.InstanceId}`;
      let ciphers: VolumeCiphers | undefined;
      try {
        if (volume.Encrypted) {
          const grantRequest = this.attachmentGrant(volume, request.InstanceId);
          const grant = await calls.kms.createGrant(grantRequest, { principal: who.principal, viaService: EC2 });
          Object.assign(found, { grantId: grant.GrantId, grantToken: grant.GrantToken });
          const { Plaintext } = await calls.kms.decrypt({ CiphertextBlob: base64ToBytes(volume.wrappedDataKey!),
            EncryptionContext: grantRequest.Constraints.EncryptionContextEquals, GrantTokens: [grant.GrantToken] }, { principal: instance, viaService: EC2 });
          ciphers = { single: xts(Plaintext), pool: parallelXts(Plaintext) };
          Plaintext.fill(0);
          await calls.commit({ attachment: { ...found } });
        }
        const storage = await calls.store.sectors.open(volume.VolumeId, volume.sectorSize);
        const writes = this.volumeWrites.get(volume.VolumeId) ?? new SerialQueue();
        this.volumeWrites.set(volume.VolumeId, writes);
        const handle = new VolumeHandle(volume.VolumeId, request.InstanceId, volume.Size * GiB, volume.sectorSize, storage, ciphers, writes);
        this.live.set(liveKey, { handle, ciphers, identity: liveIdentity(found) });
        return handle;
      } catch (error) {
        // Nothing of a failed attach survives: not the attachment, not the key, not the instance's grant.
        this.live.delete(liveKey);
        ciphers?.single.dispose();
        ciphers?.pool.dispose();
        if (found.grantToken) await calls.kms.retireGrant({ GrantToken: found.grantToken }, { principal: instance, viaService: EC2 });
        // Best effort: if this commit fails too, the next opener finds the attachment orphaned and ends it.
        await this.drop(found).catch(() => undefined);
        throw error;
      }
    });
  }

  /** Detaches: retires the instance's grant and zeroes the volume key it held. */
  detachVolume(request: DetachVolumeRequest, caller?: Caller): Promise<DetachVolumeResult> {
    const { calls } = this;
    return calls.run(async () => {
      const volume = calls.volume(request.VolumeId);
      calls.authorize(caller, 'ec2:DetachVolume', calls.arn('volume', volume.VolumeId), calls.volumeConditions(volume));
      const pick = (v: VolumeRecord) => (request.InstanceId === undefined && v.attachments.length === 1
        ? v.attachments[0]! : v.attachments.find((a) => a.InstanceId === request.InstanceId));
      const attachment = pick(volume);
      if (!attachment) throw ec2Error('InvalidAttachment.NotFound', `${volume.VolumeId} is not attached to ${String(request.InstanceId)}`);
      // Recorded first as retiring: a failed commit leaves the attachment working, a crash before its
      // grant is retired leaves it for the next opener to retire.
      const retiring: FoundAttachment = { ...attachment, VolumeId: volume.VolumeId, retiring: true };
      await calls.commit({ attachment: { ...attachment, VolumeId: volume.VolumeId }, retiring: true }, () => {
        const current = pick(calls.volume(volume.VolumeId));
        if (!current || attachmentIdentity({ ...current, VolumeId: volume.VolumeId }) !== attachmentIdentity({ ...attachment, VolumeId: volume.VolumeId })) {
          throw ec2Error('InvalidAttachment.NotFound', `${volume.VolumeId} is not attached to ${String(request.InstanceId)}`);
        }
      });
      await this.end(retiring);
      await this.drop(retiring);
      return { VolumeId: volume.VolumeId, InstanceId: attachment.InstanceId, State: 'detached' as const };
    });
  }

  /** Ends and drops the attachments whose process is gone (the store says which). */
  async endOrphaned(): Promise<void> {
    for (const orphan of await this.calls.store.orphanedAttachments()) {
      await this.end(orphan);
      await this.drop(orphan);
    }
  }

  /**
   * Ends every attachment this process holds (closing the store). Records a failed call left (an
   * attach or detach whose last commit failed) are ended by the next opener, as its process is gone then.
   */
  async endAll(): Promise<void> {
    for (const attachment of attachmentsOf(this.calls.state)) {
      if (attachment.retiring || this.live.get(`${attachment.VolumeId}/${attachment.InstanceId}`)?.identity !== liveIdentity(attachment)) continue;
      await this.end(attachment);
      await this.drop(attachment);
    }
    // Attachments another process detached meanwhile (their grants retired there): their handles stop, their keys are zeroed.
    for (const key of [...this.live.keys()]) this.stop(key);
  }

  /** A deleted volume's write queue. */
  // Stryker disable next-line BlockStatement: only frees memory: a deleted volume's id is never another's (ids are random), so a queue left in the map is never used again
  forget(volumeId: string): void {
    this.volumeWrites.delete(volumeId);
  }

  /** Drops `attachment`'s record if it is still the one recorded (the pair may be attached anew meanwhile). */
  private drop(attachment: FoundAttachment): Promise<void> {
    const { VolumeId, InstanceId } = attachment;
    return this.calls.commit({ dropAttachment: { VolumeId, InstanceId }, ...(attachment.retiring ? { retiring: true as const } : {}) },
      () => attachmentsOf(this.calls.state).some((a) => attachmentIdentity(a) === attachmentIdentity(attachment)));
  }

  /**
   * Ends an attachment: its handle stops working, its volume key is zeroed, the instance's grant
   * retired (if it still exists). An attachment recorded without its grant's token is one a crash cut
   * short around CreateGrant: CreateGrant again with the same Name and parameters returns that grant
   * if it was made ("if the grant already exists, the original GrantId is returned without creating a
   * new grant", AWS KMS API Reference, CreateGrant, Name), or makes it, and either way it is retired.
   */
  private async end(attachment: FoundAttachment): Promise<void> {
    const { calls } = this;
    const key = `${attachment.VolumeId}/${attachment.InstanceId}`;
    if (this.live.get(key)?.identity === liveIdentity(attachment)) this.stop(key); // not a newer attachment of the same pair
    const volume = calls.state.volumes.find((v) => v.VolumeId === attachment.VolumeId);
    try {
      const token = attachment.grantToken ?? (attachment.attachedBy && volume?.Encrypted
        ? (await calls.kms.createGrant(this.attachmentGrant(volume, attachment.InstanceId), { principal: attachment.attachedBy, viaService: EC2 })).GrantToken
        : undefined);
      if (token) await calls.kms.retireGrant({ GrantToken: token }, { principal: calls.instancePrincipal(attachment.InstanceId), viaService: EC2 });
    } catch (error) {
      const gone = error instanceof KmsError && (error.name === 'NotFoundException' || error.name === 'InvalidGrantTokenException');
      if (!gone) throw error; // retired already (a crash after the retirement, before the commit), or its key deleted
    }
  }

  /** Stops a live handle and zeroes its keys. */
  private stop(key: string): void {
    const live = this.live.get(key);
    live?.handle.markDetached();
    live?.ciphers?.single.dispose();
    live?.ciphers?.pool.dispose();
    this.live.delete(key);
  }

  /** The grant an attachment of an encrypted volume gives its instance: always the same request for one volume and instance. */
  private attachmentGrant(volume: VolumeRecord, instanceId: string) {
    const instance = this.calls.instancePrincipal(instanceId);
    return {
      KeyId: volume.KmsKeyId!, GranteePrincipal: instance, RetiringPrincipal: instance, Operations: ['Decrypt' as const, 'RetireGrant' as const],
      Constraints: { EncryptionContextEquals: { 'aws:ec2:arn': this.calls.arn('volume', volume.VolumeId) } }, Name: `${volume.VolumeId}-${instanceId}`,
    };
  }
}

/** Which attachment a live handle belongs to, whether its record is attached or retiring. */
function liveIdentity({ retiring: _retiring, ...attachment }: FoundAttachment): string {
  return attachmentIdentity(attachment);
}
