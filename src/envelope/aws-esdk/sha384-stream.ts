// An incremental SHA-384 for message signatures: node:crypto's (OpenSSL) where the runtime has it,
// several times faster than a JavaScript one, else @noble/hashes' (browsers: WebCrypto's digest
// takes the whole input at once, which a stream does not have). Both compute the same function.

import { sha384 } from '@noble/hashes/sha2.js';

export interface IncrementalHash {
  update(bytes: Uint8Array): void;
  digest(): Uint8Array;
}

type NodeCrypto = typeof import('node:crypto');

/** node:crypto when this is Node (process.getBuiltinModule: no import, so bundles for browsers stay clean). */
const nodeCrypto = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined;

export function createSha384(usePlatform = nodeCrypto !== undefined): IncrementalHash {
  if (!usePlatform || !nodeCrypto) return sha384.create();
  const hash = nodeCrypto.createHash('sha384');
  return {
    update: (bytes) => void hash.update(bytes),
    digest: () => new Uint8Array(hash.digest()),
  };
}
