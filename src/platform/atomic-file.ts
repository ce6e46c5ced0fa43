// Crash-safe file writes for Node. Replacement: write a temporary file, fsync it, rename it over the
// target, fsync the directory; a crash leaves the old file or the new one, never a mix. Creation
// (createFileExclusive): the same, but linked into place only if the name is free. And the removal of
// what a crash left in a store's directory (removeFiles; removeStaleFiles where other processes share it).
// Node modules are imported on first use, so importing this file is harmless in browsers.

import { StoreIntegrityError } from './store-errors.js';

export async function atomicWriteFile(file: string, bytes: Uint8Array, mode = 0o600): Promise<void> {
  const [fs, path] = await Promise.all([import('node:fs/promises'), import('node:path')]);
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temporary = await writeTemporary(fs, file, bytes, mode);
  try {
    await fs.rename(temporary, file);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
  await syncDirectoryOf(file);
}

/** Writes `bytes` to a new temporary file beside `file`, fsynced, and returns its name. */
async function writeTemporary(fs: typeof import('node:fs/promises'), file: string, bytes: Uint8Array, mode: number): Promise<string> {
  const temporary = `${file}.${crypto.randomUUID()}.tmp`;
  try {
    const handle = await fs.open(temporary, 'wx', mode);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
  return temporary;
}

/** Renames a file and makes its new name durable (the rename itself is atomic). */
export async function renameDurably(from: string, to: string): Promise<void> {
  const fs = await import('node:fs/promises');
  await fs.rename(from, to);
  await syncDirectoryOf(to);
}

/** Makes a new or renamed name in the file's directory durable. */
async function syncDirectoryOf(file: string): Promise<void> {
  const [fs, path] = await Promise.all([import('node:fs/promises'), import('node:path')]);
  const directory = await fs.open(path.dirname(file), 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}

/**
 * Creates `file` holding `bytes` unless it exists (then returns false, leaving it as it is): the bytes
 * go to a temporary file that is fsynced and then hard-linked into place, and link(2) fails if the name
 * exists, so of processes racing to create one file exactly one wins, and nobody sees it half written.
 */
export async function createFileExclusive(file: string, bytes: Uint8Array, mode = 0o600): Promise<boolean> {
  const fs = await import('node:fs/promises');
  const temporary = await writeTemporary(fs, file, bytes, mode);
  try {
    await fs.link(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await fs.rm(temporary, { force: true });
  }
  await syncDirectoryOf(file);
  return true;
}

/**
 * Reads a random secret of `length` bytes from `file`, creating it (mode 0600) on first use with
 * createFileExclusive: when processes race on a new store, exactly one secret is stored and every
 * one of them uses it. A file of another length is refused.
 */
export async function readOrCreateSecret(file: string, length: number): Promise<Uint8Array> {
  try {
    return await readSecret(file, length);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const secret = crypto.getRandomValues(new Uint8Array(length));
  await createFileExclusive(file, secret);
  secret.fill(0);
  return readSecret(file, length);
}

/** Reads a secret file that must hold `length` bytes. */
export async function readSecret(file: string, length: number): Promise<Uint8Array> {
  const fs = await import('node:fs/promises');
  const bytes = new Uint8Array(await fs.readFile(file));
  if (bytes.length !== length) throw new StoreIntegrityError(file, `should hold ${length} bytes, not ${bytes.length}`);
  return bytes;
}

/**
 * Removes the files in `directory` (if it exists) that `unwanted` picks: what a crash left in a
 * store's directory. Only for a store just opened under its lock, with no write under way.
 */
export async function removeFiles(directory: string, unwanted: (name: string) => boolean): Promise<void> {
  const fs = await import('node:fs/promises');
  let names: string[];
  try {
    names = await fs.readdir(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  await Promise.all(names.filter(unwanted).map((name) => fs.rm(`${directory}/${name}`, { force: true })));
}

/**
 * Removes the files in `directory` (if it exists) that `unwanted` picks and that were last modified
 * more than `graceMs` ago: what crashes left in a directory that other processes share, where a
 * younger file may be another process's write in flight.
 */
export async function removeStaleFiles(directory: string, unwanted: (name: string) => boolean, graceMs: number): Promise<void> {
  const fs = await import('node:fs/promises');
  const before = Date.now() - graceMs;
  for (const name of await fs.readdir(directory).catch(() => [])) {
    if (!unwanted(name)) continue;
    const file = `${directory}/${name}`;
    const stat = await fs.stat(file).catch(() => undefined); // removed meanwhile by its writer
    if (!stat?.isFile() || stat.mtimeMs > before) continue;
    await fs.rm(file, { force: true });
  }
}

/** Picks the temporary files that writes of `files` (names in one directory) leave when a crash cuts them short. */
export function temporaryFilesOf(files: string[]): (name: string) => boolean {
  return (name) => files.some((file) => name.startsWith(`${file}.`) && /^\.[0-9a-f-]{36}\.tmp$/.test(name.slice(file.length)));
}
