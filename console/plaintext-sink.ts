// Where a download's plaintext goes, as a WritableStream that keeps nothing unless the stream ends
// cleanly: piping into it closes it when every byte has authenticated, and aborts it on any failure.
// - With the File System Access API (showSaveFilePicker, Chromium): the chosen file's writable
//   stream, whose writes go to a temporary file that replaces the chosen one only on close; abort
//   discards it (https://fs.spec.whatwg.org/#api-filesystemwritablefilestream).
// - Elsewhere: a Blob built as the bytes arrive (the browser keeps a large Blob's bytes outside the
//   JS heap, on disk where it needs to), offered as a download only on close.

import { h } from './dom.js';

/** Bytes gathered before they join the Blob: few large pieces, little held in the heap. */
const FOLD_BYTES = 4 * 1024 * 1024;

interface SaveFilePicker {
  (options: { suggestedName: string }): Promise<{ createWritable(): Promise<WritableStream<Uint8Array>> }>;
}

/** Call it straight from the click (before any await): the file picker needs the user's gesture. */
export async function plaintextSink(name: string): Promise<WritableStream<Uint8Array>> {
  const picker = (window as unknown as { showSaveFilePicker?: SaveFilePicker }).showSaveFilePicker;
  if (typeof picker === 'function') return (await picker.call(window, { suggestedName: name })).createWritable();
  return blobDownload(name);
}

function blobDownload(name: string): WritableStream<Uint8Array> {
  let saved = new Blob([]);
  let pending: Uint8Array<ArrayBuffer>[] = [];
  let pendingBytes = 0;
  const fold = () => {
    saved = new Blob([saved, ...pending]);
    pending = [];
    pendingBytes = 0;
  };
  return new WritableStream({
    write(chunk) {
      pending.push(chunk as Uint8Array<ArrayBuffer>);
      pendingBytes += chunk.length;
      if (pendingBytes >= FOLD_BYTES) fold();
    },
    close() {
      fold();
      const url = URL.createObjectURL(saved);
      h('a', { href: url, download: name }).click();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    },
    abort() {
      pending = [];
      saved = new Blob([]);
    },
  });
}
