// Multi-core AES-256-GCM and AES-256-XTS on the shared worker pool. Results are byte-identical to
// the single-thread `gcm()` and `xts()`: GCM is split into counter ranges whose partial GHASH
// sums are folded together exactly (X·H^n ⊕ S per part); XTS is split by sectors.

import { AuthenticationError, CipherStateError, InvalidInputError } from './errors.js';
import { checkGcmInputs, gcmSettings, GcmState, type GcmOptions } from './gcm-state.js';
import { counterAfter } from './gcm-ciphertext-range.js';
import { runJob, type Job, type JobResult } from './parallel-jobs.js';
import { constantTimeEqual, copyBytes } from './bytes.js';
import { requireBytes } from './validate.js';
import { returnPartBuffer, takePartBuffer } from './part-buffers.js';
import type { PostedJob, SharedPart } from './worker-protocol.js';
import { sharedPool, type WorkerPool } from './worker-pool.js';
import { checkSectorRun, checkXtsKey, DEFAULT_SECTOR_BYTES } from './xts.js';

/** Below this, a message is done in the calling thread: handing it to workers costs more than it saves. */
export const PARALLEL_THRESHOLD_BYTES = 512 * 1024;
/** Parts are about this size (and at least one per worker); a shared-memory region (REGION_BYTES) holds one. */
export const PART_BYTES = 1024 * 1024;
/**
 * Parts in flight per worker: three, so a worker always has its next part queued even when the
 * calling thread, which shares the cores with the workers, is descheduled for a time slice before
 * it can copy the previous result out and the next input in (three measured 0.03–0.1× better
 * speed-ups than two at 64 MiB on 2 cores).
 */
const PARTS_IN_FLIGHT_PER_WORKER = 3;
/** Idle transfer buffers kept between calls: one per part in flight, but never more than 16 MiB. */
const MAX_KEPT_PART_BUFFERS = 16;

/** Splits `total` bytes into up to `parts` ranges whose starts are multiples of `unit`. */
function split(total: number, parts: number, unit: number): Array<[number, number]> {
  const units = Math.ceil(total / unit);
  const perPart = Math.ceil(units / parts);
  const ranges: Array<[number, number]> = [];
  for (let start = 0; start < total; start += perPart * unit) ranges.push([start, Math.min(total, start + perPart * unit)]);
  return ranges;
}

/**
 * How many parts to cut a message into: one when it stays local; one per core when that makes parts
 * of at most PART_BYTES; else ~PART_BYTES each, a multiple of the workers. One part per worker would
 * put three short parts on two cores, and the scheduler's time slices are coarser than such parts:
 * one core often runs two of them back to back (one part per core measured +0.08–0.19× of speed-up
 * at 1 MiB, ahead in 28–30 of 40 interleaved rounds, both directions, GCM and XTS).
 */
async function partsFor(bytes: number): Promise<number> {
  if (bytes < PARALLEL_THRESHOLD_BYTES) return 1;
  const { size: workers, cores } = await sharedPool();
  if (bytes <= cores * PART_BYTES) return cores;
  return Math.max(1, Math.ceil(bytes / PART_BYTES / workers)) * workers;
}

export interface PartRun {
  input: Uint8Array;
  ranges: Array<[number, number]>;
  /** Whether outputs are plaintext: the memory that carried them is zeroed before reuse. */
  decrypting: boolean;
  /** The job for one range; `data` holds (or locates) a copy of its input, which the job transforms in place. */
  makeJob<Data>(start: number, data: Data): Job<Data>;
  place(index: number, result: JobResult): void;
}

/**
 * Runs one job per range, on the pool when the input is large enough, else here, and hands each
 * result to `place` as it arrives. Each job's key is a copy made for it, zeroed here once posted
 * (the worker zeroes its own) or done.
 */
export async function runParts({ input, ranges, decrypting, makeJob, place }: PartRun): Promise<void> {
  if (input.length < PARALLEL_THRESHOLD_BYTES) {
    ranges.forEach(([start, end], i) => {
      const job = makeJob(start, copyBytes(input, start, end));
      try {
        place(i, runJob(job));
      } finally {
        job.key.fill(0);
      }
    });
    return;
  }
  const pool = await sharedPool();
  const lanes = Math.min(ranges.length, PARTS_IN_FLIGHT_PER_WORKER * pool.size);
  const keep = Math.min(lanes, MAX_KEPT_PART_BUFFERS);
  let next = 0;
  let failed = false;
  // Each lane copies a part to a worker, places the result when it returns, and takes the next part.
  const lane = async (): Promise<void> => {
    while (next < ranges.length && !failed) {
      const index = next++;
      const [start, end] = ranges[index]!;
      try {
        const { result, release } = await runPart(pool, input.subarray(start, end), (data) => makeJob(start, data), decrypting, keep);
        try {
          place(index, result);
        } finally {
          release();
        }
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
}

/** A part's result, and how to give back the memory that carried it once the result was copied out. */
interface PartOutcome { result: JobResult; release(): void }

/**
 * Runs one part on the least loaded worker: written straight into a region of the worker's shared
 * memory where it has one free, else into a transfer buffer posted to it (see part-buffers.ts and
 * worker-memory.ts for why both are reused).
 */
async function runPart(
  pool: WorkerPool, part: Uint8Array, makeJob: (data: Uint8Array | SharedPart) => PostedJob, decrypting: boolean, keep: number,
): Promise<PartOutcome> {
  const worker = pool.leastLoaded();
  const post = (job: PostedJob, transfer: ArrayBuffer[]) => {
    const running = pool.run(job, transfer, worker);
    job.key.fill(0);
    return running;
  };
  const memory = pool.memoryOf(worker);
  const region = memory?.take(part.length);
  if (memory && region) {
    region.view.set(part);
    try {
      const { hash } = await post(makeJob({ address: region.address, length: part.length }), []);
      return { result: { output: region.view, hash }, release: () => memory.give(region, decrypting) };
    } catch (error) {
      memory.give(region, true); // the job stopped somewhere: the region may still hold plaintext input
      throw error;
    }
  }
  const data = takePartBuffer(part.length, PART_BYTES);
  data.set(part);
  const { output, hash } = await post(makeJob(data), [data.buffer as ArrayBuffer]);
  return { result: { output: output!, hash }, release: () => returnPartBuffer(output!, decrypting, keep) };
}

export interface ParallelGcmCipher {
  encrypt(plaintext: Uint8Array): Promise<Uint8Array>;
  /** Resolves to the plaintext only after the tag verified; rejects with AuthenticationError otherwise. */
  decrypt(ciphertextAndTag: Uint8Array): Promise<Uint8Array>;
}

/**
 * AES-256-GCM on all cores: the same inputs, outputs and errors as `gcm()`, asynchronously.
 * Messages under PARALLEL_THRESHOLD_BYTES run in the calling thread.
 */
export function parallelGcm(key: Uint8Array, iv: Uint8Array, aad?: Uint8Array, options?: GcmOptions): ParallelGcmCipher {
  const additionalData = checkGcmInputs(key, iv, aad);
  const { tagLength, constantTime } = gcmSettings(options);

  /** Transforms `input` into the start of a new buffer of `outputLength` bytes; returns it and the tag. */
  async function crypt(input: Uint8Array, encrypting: boolean, outputLength: number): Promise<{ output: Uint8Array; tag: Uint8Array }> {
    const state = GcmState.forMessage(key, iv, additionalData, constantTime);
    try {
      const j0 = state.preCounterBlock();
      const parts = split(input.length, await partsFor(input.length), 128);
      const output = new Uint8Array(outputLength);
      const hashes: Uint8Array[] = [];
      await runParts({
        input, ranges: parts, decrypting: !encrypting,
        makeJob: (start, data) => ({
          kind: 'gcm-part', key: copyBytes(key), counterBlock: counterAfter(j0, start / 16 + 1), constantTime, encrypting, data,
        }),
        place: (i, { output: piece, hash }) => {
          output.set(piece, parts[i]![0]);
          hashes[i] = hash!;
        },
      });
      // Partial hashes fold in message order, whatever order the parts finished in.
      hashes.forEach((hash, i) => state.absorbPart(hash, parts[i]![1] - parts[i]![0]));
      return { output, tag: state.finish().subarray(0, tagLength) };
    } finally {
      state.release();
    }
  }

  return {
    async encrypt(plaintext) {
      requireBytes('plaintext', plaintext);
      const { output: sealed, tag } = await crypt(plaintext, true, plaintext.length + tagLength);
      sealed.set(tag, plaintext.length);
      return sealed;
    },
    async decrypt(ciphertextAndTag) {
      requireBytes('ciphertext', ciphertextAndTag);
      if (ciphertextAndTag.length < tagLength) {
        throw new InvalidInputError('ciphertext', `expected at least the ${tagLength}-byte tag, got ${ciphertextAndTag.length} bytes`);
      }
      const textLength = ciphertextAndTag.length - tagLength;
      const { output, tag } = await crypt(ciphertextAndTag.subarray(0, textLength), false, textLength);
      if (!constantTimeEqual(tag, ciphertextAndTag.subarray(textLength))) {
        output.fill(0);
        throw new AuthenticationError();
      }
      return output;
    },
  };
}

/**
 * AES-256-XTS over runs of sectors on all cores. Unlike `xts()`, it keeps a copy of the key (the
 * workers expand it per job); `dispose()` zeroes that copy.
 */
export class ParallelXts {
  private readonly key: Uint8Array;
  private disposed = false;

  constructor(key: Uint8Array) {
    this.key = copyBytes(checkXtsKey(key));
  }

  encryptSectors(data: Uint8Array, firstSector: bigint, sectorSize = DEFAULT_SECTOR_BYTES): Promise<Uint8Array> {
    return this.crypt(data, firstSector, sectorSize, true);
  }

  decryptSectors(data: Uint8Array, firstSector: bigint, sectorSize = DEFAULT_SECTOR_BYTES): Promise<Uint8Array> {
    return this.crypt(data, firstSector, sectorSize, false);
  }

  /**
   * Like encryptSectors, but writes the ciphertext over `data` (no new array, no copy out of a
   * fresh one); resolves to `data`. Each part is overwritten as its result arrives, so if the
   * promise rejects (the pool was terminated, say), `data` may hold a mix of both.
   */
  encryptSectorsInPlace(data: Uint8Array, firstSector: bigint, sectorSize = DEFAULT_SECTOR_BYTES): Promise<Uint8Array> {
    return this.crypt(data, firstSector, sectorSize, true, data);
  }

  decryptSectorsInPlace(data: Uint8Array, firstSector: bigint, sectorSize = DEFAULT_SECTOR_BYTES): Promise<Uint8Array> {
    return this.crypt(data, firstSector, sectorSize, false, data);
  }

  dispose(): void {
    this.disposed = true;
    this.key.fill(0);
  }

  /** Each part is copied out of `data` before it is posted, so `output` may be `data`. */
  private async crypt(data: Uint8Array, firstSector: bigint, sectorSize: number, encrypting: boolean, output?: Uint8Array): Promise<Uint8Array> {
    if (this.disposed) throw new CipherStateError('This XTS cipher was disposed');
    const bytes = checkSectorRun(data, firstSector, sectorSize);
    const parts = split(bytes.length, await partsFor(bytes.length), sectorSize);
    output ??= new Uint8Array(bytes.length);
    await runParts({
      input: bytes, ranges: parts, decrypting: !encrypting,
      makeJob: (start, data) => ({
        kind: 'xts-sectors', key: copyBytes(this.key), firstSector: firstSector + BigInt(start / sectorSize), sectorSize, encrypting, data,
      }),
      place: (i, { output: piece }) => output!.set(piece, parts[i]![0]),
    });
    return output;
  }
}

export function parallelXts(key: Uint8Array): ParallelXts {
  return new ParallelXts(key);
}
