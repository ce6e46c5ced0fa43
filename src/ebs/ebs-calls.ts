// How a BlockStore call runs, and what every operation module (volume-operations.ts,
// snapshot-operations.ts, volume-attachments.ts, encryption-by-default.ts) shares: calls run one at
// a time in a process, on the metadata store's current state (a shared store catches up first),
// authorized as EC2 authorizes; each change is one record committed through the store, re-checked
// there on current state (`commit`'s `check`), so another process's change in between is seen.

import { bytesToHex } from '@noble/hashes/utils.js';
import type { Clock } from '../core/clock.js';
import { SerialQueue } from '../core/serial-queue.js';
import type { HostKms } from '../envelope/kms-client.js';
import type { Caller } from '../policy/caller.js';
import { accountOf, callerFacts, decideAccess, rootArn, type ConditionContext, type Iam } from '../policy/index.js';
import { StoreClosedError } from '../platform/store-errors.js';
import type { BlockMetadataStore } from './block-metadata.js';
import { applyBlockRecord, type BlockChange, type BlockRecord, type SnapshotRecord, type VolumeRecord } from './block-records.js';
import { ec2Error } from './ec2-errors.js';
import type { SectorStorage } from './sector-storage.js';

export const EC2 = 'ec2.amazonaws.com';

/** Runs `work` (which keys and records what `storage` holds); if it fails, `storage` is removed: nothing of a failed create survives. */
export async function removedUnlessRecorded(storage: SectorStorage, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    await storage.remove();
    throw error;
  }
}

export const hexId = (prefix: string) => `${prefix}-${bytesToHex(crypto.getRandomValues(new Uint8Array(9))).slice(0, 17)}`;

export interface EbsCallsOptions {
  kms: HostKms;
  iam: Iam | undefined;
  store: BlockMetadataStore;
  clock: Clock;
  sectorSize: number;
  /** Run once the store has loaded, before the first call (the attachments' module ends the orphaned ones). */
  onOpen: () => Promise<void>;
}

export class EbsCalls {
  readonly kms: HostKms;
  readonly iam: Iam | undefined;
  readonly store: BlockMetadataStore;
  readonly clock: Clock;
  readonly sectorSize: number;
  private readonly operations = new SerialQueue();
  private readonly onOpen: () => Promise<void>;
  private opened = false;
  private closed = false;

  constructor(options: EbsCallsOptions) {
    ({ kms: this.kms, iam: this.iam, store: this.store, clock: this.clock, sectorSize: this.sectorSize, onOpen: this.onOpen } = options);
  }

  get state() {
    return this.store.state;
  }

  /** Runs calls one at a time, on current state. */
  run<T>(work: () => Promise<T>): Promise<T> {
    return this.operations.run(async () => {
      if (this.closed) throw new StoreClosedError(this.store.name);
      if (this.iam?.shared) await Promise.all([this.store.load(), this.iam.refresh()]); // identity policies other processes changed too
      else await this.store.load();
      if (!this.opened) {
        await this.onOpen();
        this.opened = true;
      }
      return work();
    });
  }

  /** Runs `end` after the calls before it; later calls are refused. */
  close(end: () => Promise<void>): Promise<void> {
    return this.operations.run(async () => {
      if (this.closed) return;
      this.closed = true;
      await end();
      await this.store.close();
    });
  }

  /** Commits `record` once `check` (run on the store's current state) passes; `check` returning false: nothing to do. */
  commit(record: BlockRecord, check: () => boolean | void = () => undefined): Promise<void> {
    return this.store.change(() => (check() === false ? undefined : this.apply(record)));
  }

  /** Makes `record`'s change in memory (inside a store's `change`). */
  apply(record: BlockRecord): BlockChange {
    return applyBlockRecord(this.state, record, this.store.name);
  }

  /**
   * EC2 authorization (DESIGN.md; policy/access-decision.ts): volumes and snapshots have no resource
   * policy, so the account root may act unless denied, another principal of the account needs an
   * identity-policy Allow, and principals of other accounts may not act at all.
   */
  authorize(caller: Caller | undefined, action: string, resource: string, context: ConditionContext = {}): Caller {
    const who = caller ?? { principal: rootArn(this.kms.account) };
    if (accountOf(who.principal) === undefined) throw ec2Error('InvalidParameterValue', 'caller.principal: expected an IAM or STS ARN');
    const request = { ...callerFacts(who), region: this.kms.region, action, resource, context: { 'ec2:Region': this.kms.region, ...context } };
    const decision = decideAccess({ principal: who.principal, resourceAccount: this.kms.account,
      identity: this.iam?.evaluate(request) ?? { denied: false, allowed: 'none' }, resourcePolicyRequired: false, crossAccount: false });
    if (!decision.allowed) throw ec2Error('UnauthorizedOperation', `${who.principal} is not authorized to perform ${action} on ${resource}`);
    return who;
  }

  /** The ec2:… condition keys of a volume (Service Authorization Reference, Amazon EC2, resource type "volume"). */
  volumeConditions(volume: VolumeRecord): ConditionContext {
    return {
      'ec2:Encrypted': String(volume.Encrypted), 'ec2:VolumeSize': String(volume.Size), 'ec2:VolumeID': volume.VolumeId,
      'ec2:ParentSnapshot': volume.SnapshotId && this.arn('snapshot', volume.SnapshotId),
    };
  }

  /** The ec2:… condition keys of a snapshot (resource type "snapshot"). */
  snapshotConditions(snapshot: SnapshotRecord): ConditionContext {
    return {
      'ec2:Encrypted': String(snapshot.Encrypted), 'ec2:VolumeSize': String(snapshot.VolumeSize), 'ec2:SnapshotID': snapshot.SnapshotId,
      'ec2:ParentVolume': this.arn('volume', snapshot.VolumeId), 'ec2:SnapshotTime': snapshot.StartTime,
    };
  }

  instancePrincipal(instanceId: string): string {
    return `arn:aws:sts::${this.kms.account}:assumed-role/aws-ec2-instance/${instanceId}`;
  }

  arn(kind: 'volume' | 'snapshot', id: string): string {
    return kind === 'volume' ? `arn:aws:ec2:${this.kms.region}:${this.kms.account}:volume/${id}` : `arn:aws:ec2:${this.kms.region}::snapshot/${id}`;
  }

  volume(id: unknown): VolumeRecord {
    const volume = this.state.volumes.find((v) => v.VolumeId === id);
    if (!volume) throw ec2Error('InvalidVolume.NotFound', `The volume '${String(id)}' does not exist.`);
    return volume;
  }

  snapshot(id: unknown): SnapshotRecord {
    const snapshot = this.state.snapshots.find((s) => s.SnapshotId === id);
    if (!snapshot) throw ec2Error('InvalidSnapshot.NotFound', `The snapshot '${String(id)}' does not exist.`);
    return snapshot;
  }
}
