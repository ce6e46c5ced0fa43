// One server per DIR: the KMS and IAM state are held in memory and written whole, so a second
// process on the same directory would overwrite the first one's changes. `serve.lock` holds the
// owner's pid; a lock whose process is gone (a crash, SIGKILL) is taken over.

import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

export class DirectoryInUseError extends Error {
  override readonly name = 'DirectoryInUseError';
}

const LOCK_FILE = 'serve.lock';

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes DIR's lock; resolves to its release. */
export async function lockDirectory(directory: string): Promise<() => Promise<void>> {
  const file = join(directory, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, 'wx', 0o600);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return () => rm(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number.parseInt(await readFile(file, 'utf8').catch(() => ''), 10);
      if (Number.isInteger(owner) && owner !== process.pid && isRunning(owner)) {
        throw new DirectoryInUseError(`${directory} is in use by another kms-wasm serve (pid ${owner})`);
      }
      if (owner === process.pid) throw new DirectoryInUseError(`${directory} is already served by this process`);
      await rm(file, { force: true }); // the owner is gone: take the lock over
    }
  }
  throw new DirectoryInUseError(`${directory}: could not take ${LOCK_FILE}`);
}
