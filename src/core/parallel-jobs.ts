// The unit of work a pool worker runs: one part of a GCM message (a counter range, with its
// partial GHASH) or a run of XTS sectors. Pure functions of their inputs, so the same code runs in
// a worker or, for small inputs, in the calling thread.

import { GcmState } from './gcm-state.js';
import { XtsCipher } from './xts.js';

/** `Data`: the part's bytes, or as posted to a worker, where they are (see worker-protocol.ts). */
export type Job<Data = Uint8Array> =
  | { kind: 'gcm-part'; key: Uint8Array; counterBlock: Uint8Array; constantTime: boolean; encrypting: boolean; data: Data }
  | { kind: 'xts-sectors'; key: Uint8Array; firstSector: bigint; sectorSize: number; encrypting: boolean; data: Data };

export interface JobResult {
  output: Uint8Array;
  /** For gcm-part: GHASH of this part's ciphertext, from zero (to fold in with absorbPart). */
  hash?: Uint8Array;
}

/** Runs a job in place: `job.data` becomes the output. */
export function runJob(job: Job): JobResult {
  if (job.kind === 'gcm-part') {
    const state = GcmState.forPart(job.key, job.counterBlock, job.constantTime);
    const output = job.data;
    try {
      if (job.encrypting) state.encrypt(job.data, output, 0);
      else state.decrypt(job.data, output, 0);
      return { output, hash: state.partHash() };
    } finally {
      state.release();
    }
  }
  const cipher = new XtsCipher(job.key);
  try {
    const output = job.encrypting
      ? cipher.encryptSectorsInPlace(job.data, job.firstSector, job.sectorSize)
      : cipher.decryptSectorsInPlace(job.data, job.firstSector, job.sectorSize);
    return { output };
  } finally {
    cipher.dispose();
  }
}
