// The audit log's lines read straight from a file, with a stand-in for the sealed record: a line
// "authenticates" when its base64 decodes to text starting "record ". What is checked is the file
// layer's contract (src/kms/audit-log-file.ts): where each line's record and the next line start, a
// torn last append skipped, damage refused naming the line and its bytes, and the log's end found
// from its last bytes only, however long its last records are.
import { open as openFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditLine, readAuditLines, readAuditTail } from '../../src/kms/audit-log-file.js';
import { temporaryDirectories } from '../helpers/temp-dirs.js';

const freshDirectory = temporaryDirectories('kms-wasm-audit-log-file-');

const base64 = (text: string) => Buffer.from(text, 'latin1').toString('base64');
/** The stand-in for opening a sealed record: throws unless the line is a record. */
const open = (line: string) => {
  const text = Buffer.from(line, 'base64').toString('latin1');
  if (!/^record [^\n]*$/.test(text) || base64(text) !== line) throw new Error('does not authenticate');
  return text;
};
const line = (text: string) => auditLine(base64(`record ${text}`));

/** Writes `content` to a fresh file, and runs `read` on it opened for reading, with its name. */
async function withLog<T>(content: string | Buffer, read: (file: string, handle: Awaited<ReturnType<typeof openFile>>, size: number) => Promise<T>): Promise<T> {
  const file = join(freshDirectory(), 'audit.log');
  await writeFile(file, content);
  const handle = await openFile(file, 'r');
  try {
    return await read(file, handle, (await handle.stat()).size);
  } finally {
    await handle.close();
  }
}

async function linesOf(content: string | Buffer, options: { from?: number; size?: number; archived?: boolean } = {}) {
  return withLog(content, async (file, handle, size) => {
    const out: Array<{ record: string; next: number }> = [];
    for await (const entry of readAuditLines(file, handle, options.size ?? size, options.from ?? 0, open, options.archived)) out.push(entry);
    return out;
  });
}

const tailOf = (content: string | Buffer, size?: number) => withLog(content, (file, handle, actual) => readAuditTail(file, handle, size ?? actual, open));

describe('audit log lines', () => {
  const log = line('a') + line('b') + line('c');
  const ends = [line('a').length, line('a').length + line('b').length, log.length] as const;

  it('are "@", the record\'s base64 and a newline', () => {
    expect(auditLine('QUJD')).toBe('@QUJD\n');
  });

  it('each record comes with where the next line starts, from the start or from any line\'s start', async () => {
    expect(await linesOf(log)).toEqual([{ record: 'record a', next: ends[0] }, { record: 'record b', next: ends[1] }, { record: 'record c', next: ends[2] }]);
    expect(await linesOf(log, { from: ends[0] })).toEqual([{ record: 'record b', next: ends[1] }, { record: 'record c', next: ends[2] }]);
    expect(await linesOf(log, { from: ends[2] })).toEqual([]);
    expect(await linesOf('')).toEqual([]);
  });

  it('only the first `size` bytes are read: what was appended since is not', async () => {
    expect((await linesOf(log, { size: ends[1] })).map((r) => r.record)).toEqual(['record a', 'record b']);
    expect((await linesOf(log, { from: ends[0], size: ends[1] })).map((r) => r.record)).toEqual(['record b']);
  });

  it('a log cut shorter than the size it was opened with (truncated meanwhile) is read to its end, not waited on', async () => {
    expect((await linesOf(log, { size: log.length + 100 })).map((r) => r.record)).toEqual(['record a', 'record b', 'record c']);
    expect((await linesOf(log, { from: ends[0], size: log.length + 100 })).map((r) => r.record)).toEqual(['record b', 'record c']);
    expect((await tailOf(log, log.length + 100)).last).toBe('record c');
  });

  it('a start that is not a line\'s start, or past the end, is refused as damage or a checkpoint of another log', async () => {
    for (const from of [1, ends[0] - 1, ends[0] + 1, log.length + 1]) {
      await expect(linesOf(log, { from }), String(from)).rejects.toMatchObject({
        name: 'StoreIntegrityError', message: expect.stringMatching(new RegExp(`has no line starting at byte ${from}: the log is damaged, or the checkpoint is not one of this log`)),
      });
    }
  });

  it('lines written without the "@" (kms-wasm 0.1) are read', async () => {
    const old = `${base64('record a')}\n${base64('record b')}\n`;
    expect((await linesOf(old)).map((r) => r.record)).toEqual(['record a', 'record b']);
    expect((await tailOf(old)).last).toBe('record b');
  });

  it('a line that does not authenticate is refused naming its number (counted from the start) and its bytes', async () => {
    const damaged = line('a') + `@${base64('forged b')}\n` + line('c');
    await expect(linesOf(damaged)).rejects.toMatchObject({
      name: 'StoreIntegrityError', message: expect.stringMatching(new RegExp(`audit.log line 2 at bytes ${ends[0]} to ${ends[1] - 1} does not authenticate: the log is damaged; it has been left untouched$`)),
    });
    // Read from a checkpoint, lines have no number: the line is named by its bytes.
    await expect(linesOf(damaged, { from: ends[0] })).rejects.toThrow(new RegExp(`audit.log the line at bytes ${ends[0]} to ${ends[1] - 1} does not authenticate`));
    // An empty line (two newlines) and a damaged third line.
    await expect(linesOf(`${line('a')}\n${line('c')}`)).rejects.toThrow(new RegExp(`line 2 at bytes ${ends[0]} to ${ends[0]} does not`));
    await expect(linesOf(`\n${log}`)).rejects.toThrow(/ line 1 at bytes 0 to 0 does not authenticate/);
    await expect(linesOf(line('a') + line('b') + `@${base64('x')}\n`)).rejects.toThrow(/ line 3 at bytes /);
  });

  it('a last record whose newline never reached the disk is read, and ends the log', async () => {
    const unended = log.slice(0, -1);
    expect(await linesOf(unended)).toEqual([{ record: 'record a', next: ends[0] }, { record: 'record b', next: ends[1] }, { record: 'record c', next: ends[2] - 1 }]);
    expect(await tailOf(unended)).toEqual({ last: 'record c', end: { bytes: ends[2] - 1, newline: false } });
  });

  it('a torn last append ("@" and base64 characters, not a record) is skipped; anything else after the last newline is damage', async () => {
    for (const torn of ['@', '@cmVj', '@cmVjb3Jk+/=']) {
      expect((await linesOf(log + torn)).map((r) => r.record), torn).toEqual(['record a', 'record b', 'record c']);
      expect(await tailOf(log + torn), torn).toEqual({ last: 'record c', end: { bytes: log.length, newline: true } });
    }
    for (const damage of ['cmVj', '@cmVj\0', '@cm Vj', '\0\0\0', `${line('d').slice(0, -1)}${line('e').slice(0, -1)}`]) {
      const message = expect.stringMatching(new RegExp(`audit.log ends in ${damage.length} bytes after its last newline that are not the start of one record: the log is damaged`));
      await expect(linesOf(log + damage), JSON.stringify(damage)).rejects.toMatchObject({ name: 'StoreIntegrityError', message });
      await expect(tailOf(log + damage), JSON.stringify(damage)).rejects.toMatchObject({ name: 'StoreIntegrityError', message });
    }
  });

  it('an archived segment must end in a whole record: a torn or unended last line is damage there', async () => {
    const message = expect.stringMatching(/audit.log is an archived segment that does not end in a whole record: the log is damaged/);
    await expect(linesOf(`${log}@cmVj`, { archived: true })).rejects.toMatchObject({ name: 'StoreIntegrityError', message });
    await expect(linesOf(log.slice(0, -1), { archived: true })).rejects.toMatchObject({ name: 'StoreIntegrityError', message });
    expect(await linesOf(log, { archived: true })).toHaveLength(3);
  });

  it('lines across the 1 MiB reads: a line split between two reads is joined; a bad one is still found by number and bytes', async () => {
    // ~1.5 MiB of lines of 1,000 bytes or so, the first read ending inside one of them.
    const many = Array.from({ length: 1500 }, (_, i) => line(`${i} ${'x'.repeat(1000)}`));
    const content = many.join('');
    const records = await linesOf(content);
    expect(records.map((r) => r.record)).toEqual(many.map((_, i) => `record ${i} ${'x'.repeat(1000)}`));
    expect(records.at(-1)!.next).toBe(content.length);
    let sum = 0;
    const offsets = many.map((l) => (sum += l.length));
    expect(records.map((r) => r.next)).toEqual(offsets);
    // The line holding byte 1 MiB damaged: named by its number and its whole span.
    const split = offsets.findIndex((end) => end > 1 << 20);
    const damaged = Buffer.from(content, 'latin1');
    damaged[offsets[split]! - 2] = 0x21; // "!" is no base64 character
    await expect(linesOf(damaged)).rejects.toThrow(new RegExp(`line ${split + 1} at bytes ${offsets[split - 1]} to ${offsets[split]! - 1} does not authenticate`));
    // A torn record after more than 1 MiB is still skipped.
    expect(await linesOf(`${content}@cmVj`)).toHaveLength(1500);
  });
});

describe('the log\'s end, from its last bytes', () => {
  it('an empty log, or one with only a torn record, has no last record: appends go at its start', async () => {
    expect(await tailOf('')).toEqual({ last: undefined, end: { bytes: 0, newline: true } });
    expect(await tailOf('@cmVj')).toEqual({ last: undefined, end: { bytes: 0, newline: true } });
    // A newline alone is an empty line, which is no record.
    await expect(tailOf('\n')).rejects.toThrow(/audit.log the line at bytes 0 to 0 does not authenticate/);
    await expect(tailOf('\n@cmVj')).rejects.toThrow(/audit.log the line at bytes 0 to 0 does not authenticate/);
  });

  it('the last record and where appends go; a single record with or without its newline', async () => {
    expect(await tailOf(line('a'))).toEqual({ last: 'record a', end: { bytes: line('a').length, newline: true } });
    expect(await tailOf(line('a').slice(0, -1))).toEqual({ last: 'record a', end: { bytes: line('a').length - 1, newline: false } });
    expect(await tailOf(line('a') + line('b'))).toEqual({ last: 'record b', end: { bytes: line('a').length + line('b').length, newline: true } });
    // Only the first `size` bytes count.
    expect(await tailOf(line('a') + line('b'), line('a').length)).toEqual({ last: 'record a', end: { bytes: line('a').length, newline: true } });
  });

  it('the last whole line must authenticate: a damaged one is refused naming its bytes', async () => {
    const a = line('a');
    await expect(tailOf(`${a}@${base64('forged')}\n`)).rejects.toMatchObject({
      name: 'StoreIntegrityError', message: expect.stringMatching(new RegExp(`audit.log the line at bytes ${a.length} to ${a.length + base64('forged').length + 1} does not authenticate`)),
    });
    await expect(tailOf(`@${base64('forged')}\n`)).rejects.toThrow(new RegExp(`the line at bytes 0 to ${base64('forged').length + 1} does not authenticate`));
    // A damaged line before the last one is not read on open (it is found when the trail is read).
    expect((await tailOf(`@${base64('forged')}\n${a}`)).last).toBe('record a');
  });

  it('last records longer than the 64 KiB first read are found by reading further back', async () => {
    const long = (text: string, bytes: number) => line(`${text} ${'y'.repeat(bytes)}`);
    const big = long('big', 100_000); // a last line longer than the first window
    expect(await tailOf(line('a') + big)).toEqual({ last: `record big ${'y'.repeat(100_000)}`, end: { bytes: line('a').length + big.length, newline: true } });
    expect((await tailOf(line('a') + big.slice(0, -1))).last).toBe(`record big ${'y'.repeat(100_000)}`);
    // A torn record longer than 64 KiB after a whole line, and a whole line longer than 200 KiB.
    const torn = `@${'c'.repeat(70_000)}`;
    expect(await tailOf(line('a') + torn)).toEqual({ last: 'record a', end: { bytes: line('a').length, newline: true } });
    const huge = long('huge', 300_000);
    expect((await tailOf(line('a') + huge + line('b'))).last).toBe('record b');
    expect((await tailOf(line('a') + huge)).last).toBe(`record huge ${'y'.repeat(300_000)}`);
    // A torn record that fills the first read but its first byte (the newline before it): the line before is read further back.
    const fills = `@${'c'.repeat((1 << 16) - 2)}`;
    expect(await tailOf(line('a') + line('b') + fills)).toEqual({ last: 'record b', end: { bytes: line('a').length + line('b').length, newline: true } });
    // Only the first `size` bytes count, however far back the last record starts.
    expect((await tailOf(line('a') + huge + line('b'), line('a').length + huge.length)).last).toBe(`record huge ${'y'.repeat(300_000)}`);
    // Only a torn record, longer than the window: no record.
    expect(await tailOf(torn)).toEqual({ last: undefined, end: { bytes: 0, newline: true } });
  });
});

describe('what is read', () => {
  /** A handle that records each read's length, around a real one. */
  const counting = (handle: Awaited<ReturnType<typeof openFile>>) => {
    const reads: number[] = [];
    const proxy = new Proxy(handle, {
      get(target, property) {
        if (property === 'read') {
          return async (buffer: Uint8Array, offset: number, length: number, position: number) => {
            const result = await target.read(buffer, offset, length, position);
            reads.push(result.bytesRead);
            return result;
          };
        }
        const value = Reflect.get(target, property);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    return { proxy, reads };
  };
  // ~3 MiB of records of ~1.4 KB.
  const many = Array.from({ length: 2200 }, (_, i) => line(`${i} ${'z'.repeat(1000)}`)).join('');

  it('the end of a long log is found from its last 64 KiB: the log is never read whole on open', async () => {
    const read = await withLog(many, async (file, handle, size) => {
      const { proxy, reads } = counting(handle);
      const tail = await readAuditTail(file, proxy, size, open);
      return { tail, total: reads.reduce((a, b) => a + b, 0) };
    });
    expect(read.tail).toEqual({ last: `record 2199 ${'z'.repeat(1000)}`, end: { bytes: many.length, newline: true } });
    expect(read.total).toBe(1 << 16);
    // Unended, or ending in a torn record: still the last 64 KiB only.
    for (const content of [many.slice(0, -1), `${many}@cmVj`]) {
      const total = await withLog(content, async (file, handle, size) => {
        const { proxy, reads } = counting(handle);
        await readAuditTail(file, proxy, size, open);
        return reads.reduce((a, b) => a + b, 0);
      });
      expect(total).toBe(1 << 16);
    }
  });

  it('lines are read 1 MiB at a time, however long the log', async () => {
    const reads = await withLog(many, async (file, handle, size) => {
      const { proxy, reads: lengths } = counting(handle);
      let count = 0;
      for await (const _ of readAuditLines(file, proxy, size, 0, open)) count++;
      expect(count).toBe(2200);
      return lengths;
    });
    expect(Math.max(...reads)).toBe(1 << 20);
    expect(reads.reduce((a, b) => a + b, 0)).toBe(many.length);
  });
});
