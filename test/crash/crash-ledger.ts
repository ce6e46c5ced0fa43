// What the crash harness knows: every result a killed child acknowledged (the ledger the checks hold
// the reopened stores to), the part of it the next child works on (the world), and the next round's
// plan of calls, drawn from the round's seed.

import type { SeededRandom } from '../helpers/seeded-random.js';

export interface Ciphertext { keyId: string; ciphertext: string; plaintext: string; context: Record<string, string> }
export interface ObjectVersion { key: string; versionId: string; sha256: string; customerKey?: string }
export interface WrittenSectors { offset: number; length: number; sha256: string }
/** The round whose child acknowledged it. */
export type Acknowledged<T> = T & { round: number };

/** One line the child prints once a call has returned. */
export type Ack =
  | { t: 'started' | 'finished' | 'bucket' }
  | { t: 'calling'; op: string }
  | { t: 'killed'; at: string }
  | { t: 'key'; keyId: string }
  | { t: 'alias'; name: string; keyId: string }
  | { t: 'grant'; keyId: string; grantId: string }
  | { t: 'rotation'; keyId: string }
  | ({ t: 'ciphertext' } & Ciphertext)
  | ({ t: 'object' } & ObjectVersion)
  | { t: 'upload'; key: string; uploadId: string }
  | { t: 'part'; key: string; uploadId: string; partNumber: number; etag: string }
  | { t: 'deleting' | 'deleted'; key: string; versionId: string }
  | { t: 'volume'; volumeId: string }
  | { t: 'attachment'; volumeId: string; instanceId: string }
  | ({ t: 'sectors'; volumeId: string } & WrittenSectors)
  | { t: 'snapshot'; snapshotId: string; volumeId: string };

/** What the next child starts from: acknowledged items it may use. */
export interface World {
  keys: string[];
  bucketReady: boolean;
  versions: Array<{ key: string; versionId: string }>;
  volumes: Array<{ volumeId: string; nextSector: number }>;
}

export interface Step { op: string; round: number; index: number; key: number; size: number; mode: string; partSizes: number[];
  encrypted: boolean; sectors: number }

const MAX_KEYS = 24;
const MAX_VOLUMES = 6;
/** Versions handed to a child to delete from (its command line stays short). */
const DELETABLE = 40;
const MiB = 1024 * 1024;

export class Ledger {
  readonly keys = new Set<string>();
  readonly aliases = new Map<string, string>();
  readonly grants: Array<{ keyId: string; grantId: string }> = [];
  readonly rotations = new Map<string, number>();
  readonly ciphertexts: Array<Acknowledged<Ciphertext>> = [];
  bucketReady = false;
  /** Live versions by `key versionId`. */
  readonly objects = new Map<string, Acknowledged<ObjectVersion>>();
  readonly deleted: Array<{ key: string; versionId: string }> = [];
  readonly volumes = new Map<string, Array<Acknowledged<WrittenSectors>>>();
  readonly snapshots = new Set<string>();
  /** Multipart uploads with acknowledged parts and no acknowledged completion, by UploadId: their key and each part's ETag. */
  readonly uploads = new Map<string, { key: string; parts: Map<number, string> }>();
  /** Acknowledged results, parts and attachments included (attachments die with their process by design). */
  acknowledged = 0;

  /** Records what the child of `round` acknowledged. */
  record(ack: Ack, round: number): void {
    if (ack.t === 'started' || ack.t === 'finished' || ack.t === 'calling' || ack.t === 'killed' || ack.t === 'deleting') {
      if (ack.t === 'deleting') this.objects.delete(`${ack.key} ${ack.versionId}`); // a deletion cut short by the kill may or may not be durable
      return;
    }
    this.acknowledged++;
    switch (ack.t) {
      case 'key': this.keys.add(ack.keyId); break;
      case 'alias': this.aliases.set(ack.name, ack.keyId); break;
      case 'grant': this.grants.push({ keyId: ack.keyId, grantId: ack.grantId }); break;
      case 'rotation': this.rotations.set(ack.keyId, (this.rotations.get(ack.keyId) ?? 0) + 1); break;
      case 'ciphertext': this.ciphertexts.push({ keyId: ack.keyId, ciphertext: ack.ciphertext, plaintext: ack.plaintext, context: ack.context, round }); break;
      case 'bucket': this.bucketReady = true; break;
      case 'upload': this.uploads.set(ack.uploadId, { key: ack.key, parts: new Map<number, string>() }); break;
      case 'part': {
        const upload = this.uploads.get(ack.uploadId) ?? { key: ack.key, parts: new Map<number, string>() };
        upload.parts.set(ack.partNumber, ack.etag);
        this.uploads.set(ack.uploadId, upload);
        break;
      }
      case 'object':
        for (const [id, upload] of this.uploads) if (upload.key === ack.key) this.uploads.delete(id); // completed
        this.objects.set(`${ack.key} ${ack.versionId}`, { key: ack.key, versionId: ack.versionId, sha256: ack.sha256, customerKey: ack.customerKey, round }); break;
      case 'deleted': this.deleted.push({ key: ack.key, versionId: ack.versionId }); break;
      case 'volume': this.volumes.set(ack.volumeId, []); break;
      case 'sectors': this.volumes.get(ack.volumeId)!.push({ offset: ack.offset, length: ack.length, sha256: ack.sha256, round }); break;
      case 'snapshot': this.snapshots.add(ack.snapshotId); break;
      default: break; // attachments: the checks look for what they must not leave behind
    }
  }

  world(): World {
    return {
      keys: [...this.keys], bucketReady: this.bucketReady,
      versions: [...this.objects.values()].slice(-DELETABLE).map(({ key, versionId }) => ({ key, versionId })),
      volumes: [...this.volumes].map(([volumeId, writes]) => ({ volumeId, nextSector: Math.max(0, ...writes.map((w) => (w.offset + w.length) / 4096)) })),
    };
  }

  /** A round's calls, more than a child gets through before its kill. */
  plan(random: SeededRandom, round: number, length = 120): Step[] {
    let keys = this.keys.size;
    let volumes = this.volumes.size;
    const crowded = this.objects.size > 60;
    const weights: Array<[string, number]> = [
      ['createKey', 6], ['createAlias', 5], ['createGrant', 5], ['rotate', 3], ['encrypt', 14], ['generateDataKey', 8],
      ['putObject', 16], ['multipart', 3], ['deleteObject', crowded ? 18 : 5],
      ['createVolume', 2], ['attach', 5], ['writeSectors', 12], ['snapshot', 1],
    ];
    const total = weights.reduce((n, [, w]) => n + w, 0);
    const steps: Step[] = [];
    for (let index = 0; index < length; index++) {
      let draw = random.int(total);
      let op = weights.find(([, w]) => (draw -= w) < 0)![0];
      if (op === 'createKey' && keys >= MAX_KEYS) op = 'encrypt';
      if (op === 'createVolume' && volumes >= MAX_VOLUMES) op = 'writeSectors';
      if (op === 'createKey') keys++;
      if (op === 'createVolume') volumes++;
      steps.push({
        op, round, index, key: random.int(1000), size: 1 + random.length(op === 'putObject' ? 200_000 : 4000),
        mode: ['SSE-S3', 'SSE-KMS', 'SSE-C'][random.int(3)]!,
        // all parts but the last are at least 5 MiB (S3's minimum), so big uploads are rare
        partSizes: random.int(6) === 0 ? [5 * MiB, 1 + random.length(100_000)] : [1 + random.length(100_000)],
        encrypted: random.int(5) !== 0, sectors: 1 + random.int(3),
      });
    }
    return steps;
  }
}
