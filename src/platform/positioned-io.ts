// Reads and writes at a file position that carry on until done: one read or write call may move
// fewer bytes than asked (a write on a nearly full disk stores what fits, and the next call reports
// the error), and the rest must not be dropped silently.

/** What these need of a Node FileHandle. */
export interface PositionedFile {
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  write(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesWritten: number }>;
}

/** Fills `buffer` from `position`, stopping early only at the end of the file (the rest stays as it was). */
export async function readFully(file: PositionedFile, buffer: Uint8Array, position: number): Promise<void> {
  for (let done = 0; done < buffer.length;) {
    const { bytesRead } = await file.read(buffer, done, buffer.length - done, position + done);
    if (bytesRead === 0) return;
    done += bytesRead;
  }
}

export async function writeFully(file: PositionedFile, data: Uint8Array, position: number): Promise<void> {
  for (let done = 0; done < data.length;) {
    const { bytesWritten } = await file.write(data, done, data.length - done, position + done);
    if (bytesWritten === 0) throw new Error(`wrote nothing at byte ${position + done} of the file`);
    done += bytesWritten;
  }
}
