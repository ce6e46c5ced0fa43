// Whether any run of `run` bytes of a plaintext appears anywhere in some stored bytes: the check
// that a store holds ciphertext only. Every window of the plaintext is indexed by its first four
// bytes (sorted), behind a bitmap of those prefixes' hashes, so most stored offsets cost one bit
// test and the rest one binary search.

/** 2^27 bits (16 MiB): a million windows leave most bits clear. */
const FILTER_BITS = 27;

export interface PlaintextIndex {
  /** The offset in `haystack` where a plaintext run starts, or -1. */
  findIn(haystack: Uint8Array): number;
}

export function indexPlaintextRuns(plaintext: Uint8Array, run = 16): PlaintextIndex {
  const windows = plaintext.length - run + 1;
  const view = new DataView(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength);
  const prefixes = new Uint32Array(Math.max(0, windows));
  for (let i = 0; i < windows; i++) prefixes[i] = view.getUint32(i);
  const order = Uint32Array.from({ length: Math.max(0, windows) }, (_, i) => i).sort((a, b) => prefixes[a]! - prefixes[b]!);
  const sorted = Uint32Array.from(order, (i) => prefixes[i]!);
  const seen = new Uint32Array(1 << (FILTER_BITS - 5));
  const slot = (prefix: number) => Math.imul(prefix, 0x9e3779b1) >>> (32 - FILTER_BITS);
  for (const prefix of prefixes) seen[slot(prefix) >>> 5]! |= 1 << (slot(prefix) & 31);
  const matchesAt = (haystack: Uint8Array, at: number, from: number) => {
    for (let k = 4; k < run; k++) if (haystack[at + k] !== plaintext[from + k]) return false;
    return true;
  };
  return {
    findIn(haystack) {
      const hay = new DataView(haystack.buffer, haystack.byteOffset, haystack.byteLength);
      for (let at = 0; at + run <= haystack.length; at++) {
        const prefix = hay.getUint32(at);
        const bit = slot(prefix);
        if ((seen[bit >>> 5]! & (1 << (bit & 31))) === 0) continue;
        let low = 0;
        let high = sorted.length;
        while (low < high) {
          const mid = (low + high) >>> 1;
          if (sorted[mid]! < prefix) low = mid + 1;
          else high = mid;
        }
        for (let j = low; j < sorted.length && sorted[j] === prefix; j++) if (matchesAt(haystack, at, order[j]!)) return at;
      }
      return -1;
    },
  };
}
