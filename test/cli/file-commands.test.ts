// `kms-wasm encrypt` / `decrypt` as subprocesses: round trips of 0 B, 1 B and a few MiB (files and
// stdin/stdout, and a pipe from one into the other); a flipped byte anywhere and a truncated file
// fail with exit 1 and leave no OUT (nor a temporary file), for messages sealed on one thread and,
// from POOL_FROM_BYTES, on the worker pool (encrypt and decrypt); --range; usage errors exit 2 naming the
// argument; the progress bar appears under a pseudo-terminal (util-linux `script`) and not when piped.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { temporaryDirectories } from '../helpers/temp-dirs.js';
import { CLI } from '../service/cli-process.js';
import { decryptorFor, encryptorFor, POOL_FROM_BYTES } from '../../src/cli/file-commands.js';
import { decryptStream, encryptStream } from '../../src/envelope/envelope-streams.js';
import { pooledDecryptStream, pooledEncryptStream } from '../../src/envelope/pooled-framed-cipher.js';
import { decryptMessage, kmsDataKeyResolver } from '../../src/index.js';
import { cli, cliAsync, withLibrary } from './cli-run.js';

const newDirectory = temporaryDirectories('kms-wasm-cli-files-');
/** util-linux's script(1), found on PATH, runs a command under a pseudo-terminal. */
const HAS_SCRIPT = spawnSync('script', ['--version']).status === 0;

function setUp() {
  const dir = newDirectory();
  const env = { KMS_WASM_DIR: join(dir, 'store') };
  const keyId = cli(['kms', 'create-key'], { env }).json().KeyMetadata.KeyId as string;
  const path = (name: string) => join(dir, name);
  return { dir, env, keyId, path };
}

/** Byte equality via Buffer.equals: vitest's toEqual walks a typed array element by element, seconds per MiB. */
const same = (actual: Uint8Array, expected: Uint8Array) => expect(Buffer.from(actual).equals(Buffer.from(expected)), `${actual.length} bytes vs ${expected.length}`).toBe(true);

const random = (length: number) => {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i += 65536) crypto.getRandomValues(bytes.subarray(i, Math.min(length, i + 65536)));
  return bytes;
};

describe('kms-wasm encrypt / decrypt', () => {
  it('round trips 0 B, 1 B and 3 MiB + 5 through files, and through stdin/stdout', () => {
    const { env, keyId, path } = setUp();
    for (const size of [0, 1, 3 * 1024 * 1024 + 5]) {
      const plaintext = random(size);
      writeFileSync(path('in'), plaintext);
      const encrypted = cli(['encrypt', '--key-id', keyId, '--context', 'file=in', '--context', 'size=any', path('in'), path('in.kms')], { env });
      expect(encrypted.code, encrypted.stderr).toBe(0);
      expect(encrypted.stderr).toBe(''); // stderr is a pipe: no progress bar
      expect(readFileSync(path('in.kms')).length).toBeGreaterThan(size);
      const decrypted = cli(['decrypt', path('in.kms'), path('out')], { env });
      expect(decrypted.code, decrypted.stderr).toBe(0);
      same(readFileSync(path('out')), plaintext);

      const sealed = cli(['encrypt', '--key-id', keyId, '-', '-'], { env, input: plaintext });
      expect(sealed.code, sealed.stderr).toBe(0);
      const opened = cli(['decrypt', '-', '-'], { env, input: sealed.stdout });
      expect(opened.code, opened.stderr).toBe(0);
      same(opened.stdout, plaintext);
    }
  });

  it('encrypt - | decrypt - as a shell pipeline (two processes sharing the store)', () => {
    const { env, keyId, path } = setUp();
    const plaintext = random(1024 * 1024 + 17);
    writeFileSync(path('in'), plaintext);
    const piped = spawnSync('sh', ['-c', `"${process.execPath}" "${CLI}" encrypt --key-id ${keyId} - - < in | "${process.execPath}" "${CLI}" decrypt - out`],
      { cwd: path(''), env: { PATH: process.env.PATH!, ...env } });
    expect(piped.status, piped.stderr.toString()).toBe(0);
    same(readFileSync(path('out')), plaintext);
  });

  it('a flipped byte anywhere or a truncated message fails with exit 1 and leaves no OUT', () => {
    const { dir, env, keyId, path } = setUp();
    writeFileSync(path('in'), random(200_000)); // 4 frames of 64 KiB
    expect(cli(['encrypt', '--key-id', keyId, path('in'), path('in.kms')], { env }).code).toBe(0);
    const sealed = readFileSync(path('in.kms'));
    const damaged: Array<[string, Uint8Array]> = [
      ...[0, 40, Math.floor(sealed.length / 2), sealed.length - 1].map((at): [string, Uint8Array] => {
        const copy = new Uint8Array(sealed);
        copy[at]! ^= 0x01;
        return [`byte ${at} flipped`, copy];
      }),
      ['truncated by one byte', sealed.subarray(0, sealed.length - 1)],
      ['truncated at a frame boundary', sealed.subarray(0, sealed.length - (200_000 - 3 * 65536) - 28)],
      ['empty', new Uint8Array(0)],
    ];
    for (const [what, bytes] of damaged) {
      writeFileSync(path('bad.kms'), bytes);
      const ran = cli(['decrypt', path('bad.kms'), path('out')], { env });
      expect(ran.code, what).toBe(1);
      expect(ran.stderr, what).toMatch(/^kms-wasm decrypt: /);
      expect(existsSync(path('out')), what).toBe(false);
      expect(readdirSync(dir).filter((name) => name.includes('.partial')), what).toEqual([]);
    }
  });

  it('a file of several reads: its message decrypts in the library, and a flipped byte in any frame fails with exit 1 leaving no OUT', async () => {
    const { dir, env, keyId, path } = setUp();
    const plaintext = random(6 * 1024 * 1024 + 100); // two 4 MiB reads
    writeFileSync(path('in'), plaintext);
    expect(cli(['encrypt', '--key-id', keyId, path('in'), path('in.kms')], { env }).code).toBe(0);
    const sealed = readFileSync(path('in.kms'));
    await withLibrary(join(dir, 'store'), async (kms) => same(await decryptMessage(kmsDataKeyResolver(kms), sealed), plaintext));
    const frameBytes = 4 + 65536 + 16;
    const bodyStart = sealed.length - (100 + 28) - 96 * frameBytes; // 96 full frames, then a final one of 100 bytes
    for (const at of [bodyStart + 4, bodyStart + 40 * frameBytes + 9, bodyStart + 70 * frameBytes - 1, sealed.length - 1]) {
      const copy = new Uint8Array(sealed);
      copy[at]! ^= 0x01;
      writeFileSync(path('bad.kms'), copy);
      const ran = cli(['decrypt', path('bad.kms'), path('out')], { env });
      expect(ran.code, `byte ${at}`).toBe(1);
      expect(ran.stderr, `byte ${at}`).toMatch(/^kms-wasm decrypt: frame \d+ does not authenticate/);
      expect(existsSync(path('out')), `byte ${at}`).toBe(false);
      expect(readdirSync(dir).filter((name) => name.includes('.partial')), `byte ${at}`).toEqual([]);
    }
  });

  it(`files from ${POOL_FROM_BYTES / 1024 / 1024} MiB are encrypted and decrypted on the worker pool, smaller ones and stdin on one thread`, () => {
    expect(encryptorFor(POOL_FROM_BYTES)).toBe(pooledEncryptStream);
    expect(encryptorFor(POOL_FROM_BYTES - 1)).toBe(encryptStream);
    expect(encryptorFor(undefined)).toBe(encryptStream);
    expect(decryptorFor(POOL_FROM_BYTES)).toBe(pooledDecryptStream);
    expect(decryptorFor(POOL_FROM_BYTES - 1)).toBe(decryptStream);
    expect(decryptorFor(undefined)).toBe(decryptStream);
  });

  it('a file encrypted on the pool decrypts in the library and through the CLI (on the pool) to the same bytes; a flipped byte or a cut fails with exit 1 leaving no OUT', async () => {
    const { dir, env, keyId, path } = setUp();
    const MiB = 1024 * 1024;
    const tail = random(100);
    const block = random(MiB);
    writeFileSync(path('in'), Buffer.concat([...Array.from({ length: POOL_FROM_BYTES / MiB }, () => block), tail]));
    const digest = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
    const expected = digest(readFileSync(path('in')));
    expect((await cliAsync(['encrypt', '--key-id', keyId, path('in'), path('in.kms')], { env })).code).toBe(0);
    let sealed = readFileSync(path('in.kms'));
    await withLibrary(join(dir, 'store'), async (kms) => expect(digest(await decryptMessage(kmsDataKeyResolver(kms), sealed))).toBe(expected));
    const decrypted = await cliAsync(['decrypt', path('in.kms'), path('out')], { env });
    expect(decrypted.code, decrypted.stderr.toString()).toBe(0);
    expect(digest(readFileSync(path('out')))).toBe(expected);
    const frameBytes = 4 + 65536 + 16;
    const bodyStart = sealed.length - (100 + 28) - (POOL_FROM_BYTES / 65536) * frameBytes;
    const flipped = (at: number) => {
      const copy = new Uint8Array(sealed);
      copy[at]! ^= 0x01;
      return copy;
    };
    const damaged: Array<[string, Uint8Array]> = [
      ['a byte of frame 2001 flipped', flipped(bodyStart + 2000 * frameBytes + 9)],
      ['the last byte flipped', flipped(sealed.length - 1)],
      ['cut in the middle of the last read', sealed.subarray(0, sealed.length - 3 * MiB)],
    ];
    sealed = Buffer.alloc(0);
    for (const [what, bytes] of damaged) {
      writeFileSync(path('bad.kms'), bytes);
      const ran = await cliAsync(['decrypt', path('bad.kms'), path('bad.out')], { env });
      expect(ran.code, what).toBe(1);
      // On the pool a batch of frames authenticates together, so the error names the batch.
      expect(ran.stderr, what).toMatch(/^kms-wasm decrypt: (a frame among frames \d+–\d+ does not authenticate|the message is truncated)/);
      expect(existsSync(path('bad.out')), what).toBe(false);
      expect(readdirSync(dir).filter((name) => name.includes('.partial')), what).toEqual([]);
    }
  }, 600_000);

  // On one thread (32 → 128 MiB) and on the worker pool (256 MiB → 1 GiB, the round trip).
  it.each([[32, 128], [256, 1024]])('peak memory does not grow with the file: %i MiB → %i MiB costs under 64 MiB more peak RSS, encrypting and decrypting', async (smaller, larger) => {
    const { env, keyId, path } = setUp();
    // The child's own peak resident set (workers included: they are its threads), printed as it
    // exits: VmHWM, the high-water mark of its own address space. Not getrusage's maxRSS, which Linux
    // carries over exec from the forked copy of this test process (as large as this process was).
    const reportPeak = `--import=data:text/javascript,import{readFileSync}from'node:fs';process.on('exit',()=>process.stderr.write('maxRSS='+/VmHWM:\\s*(\\d+)/.exec(readFileSync('/proc/self/status','utf8'))[1]+'\\n'))`;
    const peakKiB = async (args: string[]) => {
      const done = await cliAsync(args, { env, nodeOptions: [reportPeak] });
      expect(done.code, done.stderr).toBe(0);
      return Number(/maxRSS=(\d+)/.exec(done.stderr)![1]);
    };
    const chunk = random(1024 * 1024);
    const peaks = [];
    for (const mib of [smaller, larger]) {
      writeFileSync(path('in'), Buffer.concat(Array.from({ length: mib }, () => chunk)));
      const encrypting = await peakKiB(['encrypt', '--key-id', keyId, path('in'), path('in.kms')]);
      const decrypting = await peakKiB(['decrypt', path('in.kms'), path('out')]);
      expect(statSync(path('out')).size).toBe(mib * 1024 * 1024);
      expect(spawnSync('cmp', ['-s', path('in'), path('out')]).status, `${mib} MiB round trip`).toBe(0); // streamed: a GiB stays out of this process
      peaks.push({ encrypting, decrypting });
    }
    console.log(`peak RSS, ${smaller} MiB → ${larger} MiB: encrypt ${peaks.map((p) => (p.encrypting / 1024).toFixed(0)).join(' → ')} MiB, decrypt ${peaks.map((p) => (p.decrypting / 1024).toFixed(0)).join(' → ')} MiB`);
    // Holding the file would add its growth (96 MiB, or 768 MiB); the margin allows for when, under
    // load, the collector runs (one loaded run went 1 MiB past a 48 MiB bound).
    expect(peaks[1]!.encrypting - peaks[0]!.encrypting).toBeLessThan(64 * 1024);
    expect(peaks[1]!.decrypting - peaks[0]!.decrypting).toBeLessThan(64 * 1024);
  }, 900_000);

  it('--range decrypts only bytes [START, END)', () => {
    const { env, keyId, path } = setUp();
    const plaintext = random(300_000);
    writeFileSync(path('in'), plaintext);
    cli(['encrypt', '--key-id', keyId, path('in'), path('in.kms')], { env });
    for (const [start, end] of [[0, 0], [0, 1], [65530, 131080], [299_990, 300_000], [299_990, 400_000]] as const) {
      const ran = cli(['decrypt', '--range', `${start}-${end}`, path('in.kms'), '-'], { env });
      expect(ran.code, ran.stderr).toBe(0);
      same(ran.stdout, plaintext.subarray(start, end));
    }
  });

  it('usage errors exit 2 naming the argument; a refused key exits 1 with the AWS error', () => {
    const { env, keyId, path } = setUp();
    writeFileSync(path('in'), 'x');
    const cases: Array<[string[], RegExp]> = [
      [['encrypt', path('in'), path('out')], /--key-id is required/],
      [['encrypt', '--key-id', keyId, path('in')], /expected IN and OUT, got ".*in"/],
      [['encrypt', '--key-id', keyId, '--context', 'novalue', path('in'), path('out')], /--context: expected key=value/],
      [['encrypt', '--key-id', keyId, path('missing'), path('out')], /IN: cannot read/],
      [['decrypt', '--range', '9-3', path('in'), path('out')], /--range: expected START-END/],
      [['decrypt', '--range', '0-3', '-', path('out')], /--range: IN must be a file/],
      [['decrypt', '--frobnicate', path('in'), path('out')], /--frobnicate/],
    ];
    for (const [args, message] of cases) {
      const ran = cli(args, { env });
      expect(ran.code, args.join(' ')).toBe(2);
      expect(ran.stderr, args.join(' ')).toMatch(message);
    }
    const refused = cli(['encrypt', '--key-id', 'alias/missing', path('in'), path('out')], { env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/NotFoundException/);
    expect(existsSync(path('out'))).toBe(false);
    for (const command of ['encrypt', 'decrypt']) expect(cli([command, '--help']).stdout.toString()).toMatch(/examples:\n {2}kms-wasm /);
  });

  it.skipIf(!HAS_SCRIPT)('shows a progress bar (bytes, MiB/s, ETA) on a terminal, none with --quiet', () => {
    const { env, keyId, path } = setUp();
    writeFileSync(path('in'), random(2 * 1024 * 1024));
    const underTty = (extra: string) => spawnSync('script', ['-qfec', `"${process.execPath}" "${CLI}" encrypt ${extra} --key-id ${keyId} in in.kms`, '/dev/null'],
      { cwd: path(''), env: { PATH: process.env.PATH!, TERM: 'xterm', ...env } }).stdout.toString();
    const shown = underTty('');
    expect(shown).toMatch(/100% \| 2\.0\/2\.0 MiB \| [\d.]+ MiB\/s \| ETA/);
    expect(underTty('--quiet')).not.toMatch(/MiB/);
  });
});
