// One writer per directory store. Two writers on one directory each keep their own state in memory
// and overwrite each other's saves, so keys and objects are silently lost: a store takes this lock
// before it reads or creates anything, and a second opener is refused with a StoreLockedError naming
// the holder (or waits for it, when asked to).
//
// Why a lock file and not flock(2): Node has no flock, and the packages that add it are native
// addons, which this package cannot depend on (its one bundle also loads in browsers and bundlers, and
// prebuilt binaries do not cover every platform). Mtime-refreshed lock files (proper-lockfile) need a
// timer beating forever, declare a busy but live process dead after their stale period, make a
// restart after a crash wait that period out, and do not say who holds the lock. So the lock is a
// file holding its holder's pid, host, boot id, pid namespace and process start time; a holder that
// is gone (no such pid, the pid reused by a newer process, or the machine rebooted since) is
// detected at once, and a holder on another host or in another pid namespace is never judged dead:
// that lock is refused until its holder releases it (or someone removes it by hand).
//
// Taking over a dead holder's lock must be race-free without compare-and-swap on file names, so
// locks are numbered: `locks/<kind>.<n>`. The lock is the highest number; it is never deleted (a
// closing holder rewrites it as released), only lower numbers are. To take the lock, an opener that
// finds the highest one released, dead or absent creates the next number with link(2), which fails
// if it exists: of openers racing on one number exactly one wins. A late opener that read an old
// listing can only create a number below the highest (already cleaned up), so after creating its
// file every opener lists again and backs off if a higher number exists.

import { createFileExclusive } from './atomic-file.js';
import { StoreLockedError, type LockHolder } from './store-errors.js';

/** The lock file's content: the holder, and what tells whether that process still runs. */
interface LockRecord extends LockHolder {
  released?: true;
  bootId?: string;
  pidNamespace?: string;
  /** Linux: the process's start time in clock ticks since boot (/proc/<pid>/stat field 22). */
  startTicks?: string;
}

type Fs = typeof import('node:fs/promises');

const POLL_MS = 25;
const isCode = (error: unknown, code: string) => (error as NodeJS.ErrnoException)?.code === code;

async function readOptional(read: () => Promise<string>): Promise<string | undefined> {
  try {
    return (await read()).trim();
  } catch {
    return undefined;
  }
}

/** Field 22 of /proc/<pid>/stat: after the command name (in parentheses, which may hold spaces). */
async function startTicks(fs: Fs, pid: number | 'self'): Promise<string | undefined> {
  const stat = await readOptional(() => fs.readFile(`/proc/${pid}/stat`, 'utf8'));
  return stat?.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

/** This process, as a lock file records it. */
async function thisProcess(fs: Fs): Promise<LockRecord> {
  const { hostname } = await import('node:os');
  return {
    pid: process.pid, host: hostname(), startedAt: new Date().toISOString(),
    bootId: await readOptional(() => fs.readFile('/proc/sys/kernel/random/boot_id', 'utf8')),
    pidNamespace: await readOptional(() => fs.readlink('/proc/self/ns/pid')),
    startTicks: await startTicks(fs, 'self'),
  };
}

/** Whether the process that wrote `holder` is gone for certain; when in doubt it is taken as alive. */
async function holderIsGone(fs: Fs, holder: LockRecord, self: LockRecord): Promise<boolean> {
  if (holder.host !== self.host) return false;
  if (holder.bootId !== undefined && self.bootId !== undefined && holder.bootId !== self.bootId) return true;
  if (holder.pidNamespace !== self.pidNamespace) return false;
  try {
    process.kill(holder.pid, 0); // signal 0: only asks whether the pid exists
  } catch (error) {
    if (isCode(error, 'ESRCH')) return true;
  }
  if (holder.startTicks === undefined) return false;
  const now = await startTicks(fs, holder.pid);
  return now !== undefined && now !== holder.startTicks; // the pid now belongs to a newer process
}

export interface DirectoryLockOptions {
  /** Milliseconds to wait for a live holder to release the lock; 0 (default) refuses at once. */
  waitMs?: number;
}

export class DirectoryLock {
  private constructor(private readonly fs: Fs, private readonly file: string, private readonly record: LockRecord) {}

  /**
   * Takes the write lock named `kind` (one per kind of store, so a key store and an object store may
   * share a directory) on `directory`, created if missing.
   */
  static async acquire(directory: string, kind: string, options: DirectoryLockOptions = {}): Promise<DirectoryLock> {
    const [fs, path] = await Promise.all([import('node:fs/promises'), import('node:path')]);
    const locks = path.join(directory, 'locks');
    const self = await thisProcess(fs);
    const deadline = Date.now() + (options.waitMs ?? 0);
    const lockName = new RegExp(`^${kind}\\.(\\d+)$`);
    const numbers = async () => (await fs.readdir(locks)).map((name) => lockName.exec(name)?.[1]).filter((n) => n !== undefined).map(Number);
    for (;;) {
      await fs.mkdir(locks, { recursive: true, mode: 0o700 });
      const taken = await numbers();
      const highest = taken.length === 0 ? -1 : Math.max(...taken);
      const holder = highest < 0 ? undefined : await readRecord(fs, path.join(locks, `${kind}.${highest}`));
      if (holder === 'missing') continue; // removed by hand meanwhile: list again
      if (holder && !holder.released && !(await holderIsGone(fs, holder, self))) {
        if (Date.now() >= deadline) {
          const detail = holder.pid === self.pid && holder.host === self.host ? 'another store object in this process has it open; close() it first'
            : 'one process writes a store at a time';
          throw new StoreLockedError(directory, { pid: holder.pid, host: holder.host, startedAt: holder.startedAt }, detail);
        }
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        continue;
      }
      const mine = path.join(locks, `${kind}.${highest + 1}`);
      try {
        if (!(await createFileExclusive(mine, new TextEncoder().encode(JSON.stringify(self))))) continue; // another opener took this number
      } catch (error) {
        if (isCode(error, 'ENOENT')) continue; // its temporary file was cleaned up by a new holder: look again
        throw error;
      }
      if (Math.max(...(await numbers())) > highest + 1) {
        await fs.rm(mine, { force: true }); // a late opener's number: a higher lock exists
        continue;
      }
      // Lower numbers, and temporary files of openers that died mid-way (or lost and will look again).
      const residue = (await fs.readdir(locks)).filter((name) => name.startsWith(`${kind}.`) && name !== `${kind}.${highest + 1}`);
      await Promise.all(residue.map((name) => fs.rm(path.join(locks, name), { force: true })));
      return new DirectoryLock(fs, mine, self);
    }
  }

  /** Releases the lock (rewritten as released, never deleted: see the numbering above). */
  async release(): Promise<void> {
    const temporary = `${this.file}.${crypto.randomUUID()}.tmp`;
    await this.fs.writeFile(temporary, JSON.stringify({ ...this.record, released: true }), { mode: 0o600 });
    await this.fs.rename(temporary, this.file);
  }
}

async function readRecord(fs: Fs, file: string): Promise<LockRecord | 'missing'> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if (isCode(error, 'ENOENT')) return 'missing';
    throw error;
  }
  try {
    const record = JSON.parse(text) as LockRecord;
    if (Number.isSafeInteger(record.pid) && record.pid > 0 && typeof record.host === 'string') return record;
  } catch {
    // handled below
  }
  // Written whole through link(2) after an fsync, a lock file is never partial: this one was damaged.
  throw new StoreLockedError(file, undefined, 'the lock file is unreadable; remove it once no process uses the store');
}
