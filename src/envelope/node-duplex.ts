// A Web TransformStream as a Node Duplex, for `stream.pipeline`: exported by kms-wasm/node only,
// since its type is Node's (the default entry's declarations need neither Node's types nor the DOM's).

import type { Duplex } from 'node:stream';

/**
 * A Node Duplex stream over one of the transforms above, for `stream.pipeline` (Node 20.16+ only).
 * Synchronous, so it can sit in a pipeline's argument list: node:stream comes from
 * process.getBuiltinModule, which, unlike an import, a browser bundler never tries to resolve.
 */
export function toNodeDuplex(transform: TransformStream<Uint8Array, Uint8Array>): Duplex {
  const stream = globalThis.process?.getBuiltinModule?.('node:stream');
  if (!stream) throw new Error('toNodeDuplex needs Node.js 20.16 or later (process.getBuiltinModule)');
  return stream.Duplex.fromWeb(transform as unknown as Parameters<typeof stream.Duplex.fromWeb>[0]);
}
