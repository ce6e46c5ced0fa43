// Many whole GCM messages at once on the shared worker pool: the frames of an envelope message,
// each its own GCM message (64 KiB by default, far below PARALLEL_THRESHOLD_BYTES), batched into
// parts of about PART_BYTES so that one worker call seals or opens many frames. Laid out in one
// array, with whatever lies between frames (their prefixes) left untouched.

import { GCM_FULL_TAG_BYTES } from './gcm-state.js';
import type { GcmFrame } from './parallel-jobs.js';
import { PARALLEL_THRESHOLD_BYTES, PART_BYTES, runParts } from './parallel.js';
import { copyBytes } from './bytes.js';
import { sharedPool } from './worker-pool.js';

const sealedEnd = (frame: GcmFrame) => frame.start + frame.contentBytes + GCM_FULL_TAG_BYTES;

/** Consecutive frames cut into batches of at most `target` bytes (a larger frame makes a batch alone). */
function batches(frames: GcmFrame[], target: number): Array<{ start: number; end: number; frames: GcmFrame[] }> {
  const cut: Array<{ start: number; end: number; frames: GcmFrame[] }> = [];
  for (const frame of frames) {
    const last = cut.at(-1);
    if (last && sealedEnd(frame) - last.start <= target) {
      last.frames.push(frame);
      last.end = sealedEnd(frame);
    } else {
      cut.push({ start: frame.start, end: sealedEnd(frame), frames: [frame] });
    }
  }
  return cut;
}

/**
 * Seals (each frame's plaintext → ciphertext ‖ tag) or opens (ciphertext ‖ tag → plaintext, tag
 * left as it was) every frame of `data` in place under `key`. Under PARALLEL_THRESHOLD_BYTES in
 * the calling thread, else on the pool in batches, at least one per worker. If a frame does not
 * authenticate it rejects with AuthenticationError and every frame's text in `data` is zeroed.
 */
export async function parallelGcmFrames(key: Uint8Array, data: Uint8Array, frames: GcmFrame[], encrypting: boolean): Promise<void> {
  if (frames.length === 0) return;
  const target = data.length < PARALLEL_THRESHOLD_BYTES ? Infinity : Math.min(PART_BYTES, Math.ceil(data.length / (await sharedPool()).size));
  const parts = batches(frames, target);
  let failed = false;
  try {
    await runParts({
      input: data, ranges: parts.map(({ start, end }) => [start, end]), decrypting: !encrypting,
      makeJob: (start, part) => ({
        kind: 'gcm-frames', key: copyBytes(key), encrypting, data: part,
        frames: parts.find((batch) => batch.start === start)!.frames.map((frame) => ({ ...frame, start: frame.start - start })),
      }),
      // After a failure, parts still in flight are not placed: no plaintext goes back into `data`.
      place: (i, { output }) => {
        if (!failed) data.set(output, parts[i]!.start);
      },
    });
  } catch (error) {
    failed = true;
    if (!encrypting) for (const frame of frames) data.fill(0, frame.start, frame.start + frame.contentBytes);
    throw error;
  }
}
