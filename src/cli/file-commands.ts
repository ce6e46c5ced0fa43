// `kms-wasm encrypt` and `kms-wasm decrypt`: files of any size (or stdin/stdout as `-`) in the
// framed envelope format, streamed in bounded memory, the data key from the local KMS. Output goes
// to a temporary file beside OUT that is renamed to OUT only once the pipeline has finished — for
// decrypt, after the last frame authenticated — so a damaged or truncated input leaves no OUT.

import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { decryptRange } from '../envelope/ranged-decrypt.js';
import { decryptStream, encryptStream } from '../envelope/envelope-streams.js';
import { pooledDecryptStream, pooledEncryptStream } from '../envelope/pooled-framed-cipher.js';
import { toNodeDuplex } from '../envelope/node-duplex.js';
import { kmsDataKeyResolver, kmsEncryptionMaterials } from '../kms/kms-keyring.js';
import { exitCodeOf, openLocalKms, parseOptions, STORE_HELP, STORE_OPTIONS, UsageError } from './command-line.js';
import { progressMeter } from './progress.js';

const ENCRYPT_HELP = `usage: kms-wasm encrypt --key-id KEY [--context k=v]… [options] IN OUT

Encrypts IN (a file, or - for stdin) to OUT (a file, or - for stdout) as a framed envelope message
under a data key from KMS key KEY (key id, ARN or alias), the context bound to every frame.

  --key-id KEY       the KMS key
  --context k=v      an encryption context pair (repeatable); decrypt needs no context, it is in the message
  --quiet            no progress bar (there is none anyway when stderr is not a terminal)
${STORE_HELP}

examples:
  kms-wasm encrypt --key-id alias/backups --context host=db1 backup.tar backup.tar.kms
  tar c /etc | kms-wasm encrypt --key-id alias/backups - etc.tar.kms`;

const DECRYPT_HELP = `usage: kms-wasm decrypt [options] IN OUT

Decrypts a message kms-wasm encrypt wrote. OUT appears only once every frame authenticated; with
OUT = - (stdout) frames are written as each authenticates, and a damaged or truncated message ends
with exit 1 after the frames before the damage.

  --range START-END  only plaintext bytes [START, END) (IN must be a file; the range is held in memory)
  --quiet            no progress bar
${STORE_HELP}

examples:
  kms-wasm decrypt backup.tar.kms backup.tar
  kms-wasm decrypt backup.tar.kms - | tar x
  kms-wasm decrypt --range 1048576-1049600 backup.tar.kms part.bin`;

const STDIO = '-';
/**
 * A file is read in chunks of this size: on the pool, each chunk's frames are sealed at once
 * (pooled-framed-cipher.ts), in batches of up to 1 MiB, so a chunk keeps every worker busy.
 */
const READ_CHUNK_BYTES = 4 * 1024 * 1024;
/**
 * Files from this size up are encrypted and decrypted on the worker pool (pooled-framed-cipher.ts);
 * smaller files and stdin (whose 64 KiB reads the pool would leave on this thread anyway) on this
 * thread. Measured file to file by bench/probes/cli-pool.mjs (paired, interleaved rounds; each pooled
 * run starts its workers, as a CLI process does) on the quiet 2-core development machine, pooled time
 * over single-thread time per round: encrypt 0.56–1.11 at 64 MiB, 0.66–0.92 at 128 MiB, 0.85–0.94 at
 * 256 MiB, 0.71–0.92 at 1 GiB; decrypt 0.97–1.29 at 64 MiB, 1.02–1.17 at 128 MiB, 0.88–0.97 at
 * 256 MiB, 0.92–1.03 at 1 GiB. From 256 MiB both gain (decrypt a little; it gains more with more
 * cores, since a frame's opening is the whole of its cost); below, decrypt loses. The pool uses
 * 30–60% more CPU. (Under a load of 15–21 on the same machine neither gained: medians 1.00 and 1.14.)
 */
export const POOL_FROM_BYTES = 256 * 1024 * 1024;

const onPool = (size: number | undefined) => size !== undefined && size >= POOL_FROM_BYTES;

/** The encrypting stream for an input of `size` bytes (undefined: stdin, of unknown size). */
export function encryptorFor(size: number | undefined): typeof encryptStream {
  return onPool(size) ? pooledEncryptStream : encryptStream;
}

/** The decrypting stream for an input of `size` bytes (undefined: stdin, of unknown size). */
export function decryptorFor(size: number | undefined): typeof decryptStream {
  return onPool(size) ? pooledDecryptStream : decryptStream;
}

function positionals(list: string[]): [string, string] {
  if (list.length !== 2) throw new UsageError(`expected IN and OUT, got ${list.length === 0 ? 'neither' : list.map((p) => `"${p}"`).join(' ')}`);
  return [list[0]!, list[1]!];
}

/** Writes through `write` into a temporary file beside `out`, renamed to `out` only if it succeeds; `-` is stdout. */
async function writeOutput(out: string, write: (to: Writable) => Promise<void>): Promise<void> {
  if (out === STDIO) return write(process.stdout);
  const temporary = join(dirname(out), `.${basename(out)}.${crypto.randomUUID()}.partial`);
  try {
    await write(createWriteStream(temporary, { flags: 'wx', mode: 0o600 }));
    await rename(temporary, out);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

async function input(path: string): Promise<{ stream: Readable; size: number | undefined }> {
  if (path === STDIO) return { stream: process.stdin, size: undefined };
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    throw new UsageError(`IN: cannot read ${path}: ${(error as Error).message}`);
  }
  return { stream: createReadStream(path, { highWaterMark: READ_CHUNK_BYTES }), size };
}

const showProgress = (quiet: boolean | undefined) => !quiet && process.stderr.isTTY === true;

export function runEncrypt(args: string[]): Promise<number> {
  return exitCodeOf('kms-wasm encrypt', ENCRYPT_HELP, async () => {
    const { values, positionals: files } = parseOptions({
      args, strict: true, allowPositionals: true,
      options: { 'key-id': { type: 'string' }, context: { type: 'string', multiple: true }, quiet: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, ...STORE_OPTIONS },
    });
    if (values.help) {
      process.stdout.write(`${ENCRYPT_HELP}\n`);
      return 0;
    }
    if (!values['key-id']) throw new UsageError('--key-id is required');
    const context = Object.fromEntries((values.context ?? []).map((pair) => {
      const at = pair.indexOf('=');
      if (at <= 0) throw new UsageError(`--context: expected key=value, got "${pair}"`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }));
    const [inPath, outPath] = positionals(files);
    const source = await input(inPath);
    const { kms, store } = openLocalKms(values);
    try {
      const materials = await kmsEncryptionMaterials(kms, { KeyId: values['key-id'], EncryptionContext: context });
      await store.close(); // KMS is done with: another command may take the store while this one streams
      const { meter, stop } = progressMeter(source.size, showProgress(values.quiet));
      try {
        const encryptor = toNodeDuplex(encryptorFor(source.size)(materials));
        materials.dataKey.fill(0); // the encryptor derived its message key from it already
        await writeOutput(outPath, (to) => pipeline(source.stream, meter, encryptor, to));
      } finally {
        stop();
      }
    } finally {
      await store.close();
    }
    return 0;
  });
}

function parseRange(text: string): [number, number] {
  const match = /^(\d+)-(\d+)$/.exec(text);
  const range = match ? [Number(match[1]), Number(match[2])] as [number, number] : undefined;
  if (!range || !Number.isSafeInteger(range[1]) || range[1] < range[0]) throw new UsageError(`--range: expected START-END with START ≤ END, got ${text}`);
  return range;
}

export function runDecrypt(args: string[]): Promise<number> {
  return exitCodeOf('kms-wasm decrypt', DECRYPT_HELP, async () => {
    const { values, positionals: files } = parseOptions({
      args, strict: true, allowPositionals: true,
      options: { range: { type: 'string' }, quiet: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, ...STORE_OPTIONS },
    });
    if (values.help) {
      process.stdout.write(`${DECRYPT_HELP}\n`);
      return 0;
    }
    const [inPath, outPath] = positionals(files);
    const range = values.range === undefined ? undefined : parseRange(values.range);
    if (range && inPath === STDIO) throw new UsageError('--range: IN must be a file, not stdin');
    const source = await input(inPath);
    const { kms, store } = openLocalKms(values);
    try {
      const unwrap = kmsDataKeyResolver(kms);
      // The store is released once the data key is unwrapped, as encrypt releases it once it has one.
      const resolver: typeof unwrap = async (header) => {
        try {
          return await unwrap(header);
        } finally {
          await store.close();
        }
      };
      if (range) {
        source.stream.destroy();
        const file = await open(inPath);
        try {
          const read = async (offset: number, length: number) => {
            const bytes = new Uint8Array(length);
            const { bytesRead } = await file.read(bytes, 0, length, offset);
            return bytes.subarray(0, bytesRead);
          };
          const { plaintext } = await decryptRange(read, source.size!, range[0], range[1], resolver);
          await writeOutput(outPath, async (to) => {
            await new Promise<void>((resolve, reject) => to.end(plaintext, () => resolve()).once('error', reject));
          });
          plaintext.fill(0);
        } finally {
          await file.close();
        }
        return 0;
      }
      const { meter, stop } = progressMeter(source.size, showProgress(values.quiet));
      try {
        await writeOutput(outPath, (to) => pipeline(source.stream, meter, toNodeDuplex(decryptorFor(source.size)(resolver)), to));
      } finally {
        stop();
      }
    } finally {
      await store.close();
    }
    return 0;
  });
}
