// The unit of work a pool worker runs: one part of a GCM message (a counter range, with its
// partial GHASH), a batch of whole GCM messages (the frames of an envelope message) or a run of XTS sectors. Pure functions of their inputs, so the same code runs in
// a worker or, for small inputs, in the calling thread.

import { openInto, sealInto } from './gcm.js';
import { GCM_FULL_TAG_BYTES, GcmState } from './gcm-state.js';
import { XtsCipher } from './xts.js';

/** `Data`: the part's bytes, or as posted to a worker, where they are (see worker-protocol.ts). */
export type Job<Data = Uint8Array> =
  | { kind: 'gcm-part'; key: Uint8Array; counterBlock: Uint8Array; constantTime: boolean; encrypting: boolean; data: Data }
  | { kind: 'gcm-frames'; key: Uint8Array; frames: GcmFrame[]; encrypting: boolean; data: Data }
  | { kind: 'xts-sectors'; key: Uint8Array; firstSector: bigint; sectorSize: number; encrypting: boolean; data: Data };

/**
 * One whole GCM message of a gcm-frames batch: its text at `start` in the batch's data, followed by
 * room for (encrypting) or its 16-byte tag (decrypting). Transformed in place.
 */
export interface GcmFrame { start: number; contentBytes: number; iv: Uint8Array; aad: Uint8Array }

export interface JobResult {
  output: Uint8Array;
  /** For gcm-part: GHASH of this part's ciphertext, from zero (to fold in with absorbPart). */
  hash?: Uint8Array;
}

/**
 * Seals or opens each frame of the batch in place. A frame that does not authenticate throws
 * AuthenticationError with the whole batch zeroed: frames opened before it are released by nobody.
 */
function runFrames({ key, frames, encrypting, data }: Extract<Job, { kind: 'gcm-frames' }>): JobResult {
  try {
    for (const { start, contentBytes, iv, aad } of frames) {
      if (encrypting) sealInto(key, iv, aad, data.subarray(start, start + contentBytes), data, start);
      else openInto(key, iv, aad, data.subarray(start, start + contentBytes + GCM_FULL_TAG_BYTES), data, start);
    }
  } catch (error) {
    data.fill(0);
    throw error;
  }
  return { output: data };
}

/** Runs a job in place: `job.data` becomes the output. */
export function runJob(job: Job): JobResult {
  if (job.kind === 'gcm-frames') return runFrames(job);
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
