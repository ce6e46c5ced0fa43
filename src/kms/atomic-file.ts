// Crash-safe file replacement for Node: write a temporary file, fsync it, rename it over the
// target, fsync the directory. A crash leaves the old file or the new one, never a mix.
// Node modules are imported on first use, so importing this file is harmless in browsers.

export async function atomicWriteFile(file: string, bytes: Uint8Array, mode = 0o600): Promise<void> {
  const [fs, path] = await Promise.all([import('node:fs/promises'), import('node:path')]);
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${crypto.randomUUID()}.tmp`;
  try {
    const handle = await fs.open(temporary, 'wx', mode);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temporary, file);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
  const directory = await fs.open(path.dirname(file), 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}
