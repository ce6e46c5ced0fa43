// The browser console's static files (dist/console/, built by scripts/build.mjs), served at
// /console/ to requests that carry no signature. Every request the service answers otherwise is
// signed (an unsigned one is refused), so an unsigned GET /console/… never shadows an S3 call (a
// signed GET /console/ still lists a bucket named "console"). The files are read once at start into
// memory: only the names found there are served, so no path can reach anything else.

import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { headerValue, type WireRequest, type WireResponse } from './wire.js';

export const CONSOLE_PATH = '/console/';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

// The page runs only its own scripts and talks only to this origin (its signed KMS and S3 calls); its
// transfer workers compile kms-wasm's WASM core ('wasm-unsafe-eval' allows WebAssembly, not eval);
// a hidden frame of its own origin starts a streamed download (console/plaintext-sink.ts).
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

export class ConsoleFiles {
  private constructor(private readonly files: Map<string, { type: string; bytes: Uint8Array }>) {}

  /** Reads the files of `dir` (not its subdirectories) whose type the console uses. */
  static async load(dir: string): Promise<ConsoleFiles> {
    const files = new Map<string, { type: string; bytes: Uint8Array }>();
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const type = CONTENT_TYPES[extname(entry.name)];
      if (entry.isFile() && type) files.set(entry.name, { type, bytes: await readFile(join(dir, entry.name)) });
    }
    if (!files.has('index.html')) throw new Error(`${dir} holds no index.html: build the console (npm run build)`);
    return new ConsoleFiles(files);
  }

  /** The answer to `request`, or undefined where it is not a request for the console. */
  answer(request: WireRequest): WireResponse | undefined {
    if (request.method !== 'GET' && request.method !== 'HEAD') return undefined;
    if (headerValue(request.headers, 'authorization') !== undefined || request.query.has('X-Amz-Signature')) return undefined;
    if (request.path === '/console') return { status: 301, headers: { location: CONSOLE_PATH }, body: '' };
    if (!request.path.startsWith(CONSOLE_PATH)) return undefined;
    const name = request.path.slice(CONSOLE_PATH.length) || 'index.html';
    const file = this.files.get(name);
    if (!file) return { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS }, body: 'Not found\n' };
    const headers = { 'content-type': file.type, ...SECURITY_HEADERS };
    return request.method === 'HEAD'
      ? { status: 200, headers: { ...headers, 'content-length': String(file.bytes.length) }, body: '' }
      : { status: 200, headers, body: file.bytes };
  }
}
