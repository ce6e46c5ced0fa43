// Buffers that carry message parts to pool workers and back where a worker does not share memory
// with this thread (browser pages that are not cross-origin isolated; see worker-memory.ts), or a
// part is too large for a shared region. Kept for reuse: a buffer transferred to a worker and back
// keeps its memory, so a reused one is already paged in. Writing into fresh memory costs a page
// fault per 4 KiB (measured here: 64 MiB copied into new buffers took ~60 ms, into reused ones
// ~10 ms), and on a machine with few cores that time is taken from the workers.

const idle: ArrayBuffer[] = [];

/** A view of `length` bytes over a kept buffer large enough for it, or over a new one of at least `newSize`. */
export function takePartBuffer(length: number, newSize: number): Uint8Array {
  const index = idle.findIndex((buffer) => buffer.byteLength >= length);
  const buffer = index >= 0 ? idle.splice(index, 1)[0]! : new ArrayBuffer(Math.max(length, newSize));
  return new Uint8Array(buffer, 0, length);
}

/**
 * Takes back a buffer once its contents were copied out, keeping at most `keep` idle ones. `secret`
 * contents (plaintext a decryption produced) are zeroed first; ciphertext is left as it is, since
 * the caller holds the same bytes.
 */
export function returnPartBuffer(view: Uint8Array, secret: boolean, keep: number): void {
  const buffer = view.buffer as ArrayBuffer;
  if (secret) new Uint8Array(buffer).fill(0);
  if (idle.length < keep && buffer.byteLength > 0) idle.push(buffer);
}

/** Drops every kept buffer (when the pool ends). */
export function releasePartBuffers(): void {
  idle.length = 0;
}

/** The idle buffers, for tests that check what they hold. */
export function idlePartBuffers(): readonly ArrayBuffer[] {
  return idle;
}
