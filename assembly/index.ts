// The WebAssembly module's exports. All state lives in caller-provided contexts in linear
// memory; the module itself allocates nothing after start-up (the runtime is `stub`).

import { GCM_CONTEXT_BYTES, GCM_HASH, GCM_J0, GCM_TAG } from './gcm';
import { XTS_CONTEXT_BYTES } from './xts';

export { gcmInit, gcmSetIv96, gcmIvAbsorb, gcmIvFinish, gcmAad, gcmEncrypt, gcmDecrypt, gcmFinal, gcmForget, gcmSetCounter, gcmFinishPart, gcmAbsorbPart } from './gcm';
export { xtsInit, xtsStart, xtsEncrypt, xtsDecrypt, xtsEncryptSectors, xtsDecryptSectors } from './xts';


/** First byte past the static data: the host lays out its buffers from here. */
export function heapBase(): usize {
  return __heap_base;
}

/** Bytes one cipher context needs, whatever the mode. */
export function contextBytes(): usize {
  return max(GCM_CONTEXT_BYTES, XTS_CONTEXT_BYTES);
}

/** Where gcmFinal leaves the tag, relative to the context. */
export function gcmTagOffset(): usize {
  return GCM_TAG;
}

/** Where the pre-counter block J0 is kept, relative to the context. */
export function gcmJ0Offset(): usize {
  return GCM_J0;
}

/** Where the GHASH accumulator is kept (the partial hash after gcmFinishPart). */
export function gcmHashOffset(): usize {
  return GCM_HASH;
}
