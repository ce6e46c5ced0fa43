import { describe, expect, it } from 'vitest';
import { readFully, writeFully, type PositionedFile } from '../../src/platform/positioned-io.js';

/** A file in memory whose calls move at most `step` bytes each, as a real one may. */
function fakeFile(contents: Uint8Array, step: number): PositionedFile & { contents: Uint8Array } {
  const file = {
    contents,
    async read(buffer: Uint8Array, offset: number, length: number, position: number) {
      const bytes = file.contents.subarray(position, position + Math.min(length, step));
      buffer.set(bytes, offset);
      return { bytesRead: bytes.length };
    },
    async write(buffer: Uint8Array, offset: number, length: number, position: number) {
      const n = Math.min(length, step);
      file.contents.set(buffer.subarray(offset, offset + n), position);
      return { bytesWritten: n };
    },
  };
  return file;
}

describe('positioned file I/O', () => {
  it('carries on through short reads and writes', async () => {
    const file = fakeFile(new Uint8Array(32), 3);
    const data = new Uint8Array(20).map((_, i) => i + 1);
    await writeFully(file, data, 5);
    expect(Array.from(file.contents.subarray(5, 25))).toEqual(Array.from(data));
    const back = new Uint8Array(20);
    await readFully(file, back, 5);
    expect(back).toEqual(data);
  });

  it('a read stops at the end of the file, leaving the rest as it was; a write that stores nothing throws', async () => {
    const file = fakeFile(new Uint8Array([1, 2, 3, 4]), 3);
    const buffer = new Uint8Array(6);
    await readFully(file, buffer, 2);
    expect(Array.from(buffer)).toEqual([3, 4, 0, 0, 0, 0]);
    await expect(writeFully(fakeFile(new Uint8Array(4), 0), new Uint8Array(2), 0)).rejects.toThrow(/wrote nothing/);
  });
});
