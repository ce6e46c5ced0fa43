// Makes the emitted declarations (dist/types) type-check in any consumer of TypeScript 5.4 or later,
// with or without the DOM lib and @types/node (issue 14, item 5):
// - `Uint8Array<ArrayBuffer>` and the like, which TypeScript 5.7+ infers, become plain `Uint8Array`
//   (before 5.7, Uint8Array is not generic; from 5.7 the plain name means Uint8Array<ArrayBufferLike>,
//   which every Uint8Array is);
// - the few Web platform types the API names (TransformStream, ReadableStream, Blob, CryptoKey,
//   WebAssembly's Module, Memory and Instance) get empty global interfaces in web-globals.d.ts, which the entry declarations
//   reference. Where the DOM lib or @types/node declares them, the empty interfaces merge into those
//   declarations and change nothing; elsewhere they keep the declarations whole.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const WEB_GLOBALS = `// Written by scripts/portable-declarations.mjs: see there.
export {};
declare global {
  namespace WebAssembly {
    interface Module {}
    interface Memory {}
    interface Instance {}
  }
  interface TransformStream<I = any, O = any> {}
  interface ReadableStream<R = any> {}
  interface Blob {}
  interface CryptoKey {}
}
`;

/** Rewrites every .d.ts under `dir` and adds web-globals.d.ts, referenced from each entry's declarations. */
export function portableDeclarations(dir, entries) {
  const files = readdirSync(dir, { recursive: true }).filter((f) => f.endsWith('.d.ts'));
  for (const file of files) {
    const path = join(dir, file);
    const text = readFileSync(path, 'utf8');
    const portable = text.replace(/\bUint8Array<Array(Buffer|BufferLike|SharedArrayBuffer)>/g, 'Uint8Array');
    if (portable !== text) writeFileSync(path, portable);
  }
  writeFileSync(join(dir, 'web-globals.d.ts'), WEB_GLOBALS);
  for (const entry of entries) {
    const path = join(dir, entry);
    writeFileSync(path, `/// <reference path="./web-globals.d.ts" />\n${readFileSync(path, 'utf8')}`);
  }
}
