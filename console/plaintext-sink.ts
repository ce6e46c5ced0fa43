// Where a download's plaintext goes, as a WritableStream that keeps nothing unless the stream ends
// cleanly: piping into it closes it when every byte has authenticated, and aborts it on any failure.
// - With the File System Access API (showSaveFilePicker, Chromium): the chosen file's writable
//   stream, whose writes go to a temporary file that replaces the chosen one only on close; abort
//   discards it (https://fs.spec.whatwg.org/#api-filesystemwritablefilestream).
// - Elsewhere, for a download of at least STREAMED_DOWNLOAD_BYTES whose bytes all authenticate before
//   they reach the sink (a framed body, or one the service decrypted): a stream handed to the
//   console's service worker (download-worker.ts), which the browser saves as it arrives; a failure
//   errors the stream and the browser marks the download failed, with no file under its name.
//   Chromium keeps at most 2 GB of Blobs in memory, and in a private window none on disk, so a
//   5 GiB Blob download fails there (https://chromium.googlesource.com/chromium/src/+/HEAD/storage/browser/blob/README.md,
//   "Blob Storage Limits").
// - Otherwise: a Blob built as the bytes arrive (the browser keeps a large Blob's bytes outside the
//   JS heap, on disk where it may), offered as a download only on close, so nothing is saved unless
//   every byte authenticated — what an AES/GCM/NoPadding body, authenticated only at its end, needs.
// The console's URL may lower the threshold: /console/?stream-downloads-from-mib=0 streams every such download.

import { h } from './dom.js';
import { STREAMED_DOWNLOAD_PATH, type StreamedDownload } from './streamed-download-protocol.js';

/** Bytes gathered before they join the Blob: few large pieces, little held in the heap. */
const FOLD_BYTES = 4 * 1024 * 1024;

interface SaveFilePicker {
  (options: { suggestedName: string }): Promise<{ createWritable(): Promise<WritableStream<Uint8Array>> }>;
}

/** The size from which a download that authenticates as it goes is saved as a stream. */
const STREAMED_DOWNLOAD_BYTES = 512 * 1024 * 1024;

function streamedDownloadBytes(): number {
  const mib = Number(new URLSearchParams(location.search).get('stream-downloads-from-mib') ?? Number.NaN);
  return Number.isFinite(mib) && mib >= 0 ? mib * 1024 * 1024 : STREAMED_DOWNLOAD_BYTES;
}

export interface DownloadShape {
  /** The object's size as listed (its ciphertext's, for a client-side object: about the plaintext's). */
  bytes: number;
  /** Whether every byte authenticates before it is written to the sink (framed or server-decrypted bodies). */
  authenticatedAsItGoes: boolean;
}

/** Call it straight from the click (before any await): the file picker needs the user's gesture. */
export async function plaintextSink(name: string, shape: DownloadShape): Promise<WritableStream<Uint8Array>> {
  const picker = (window as unknown as { showSaveFilePicker?: SaveFilePicker }).showSaveFilePicker;
  if (typeof picker === 'function') return (await picker.call(window, { suggestedName: name })).createWritable();
  if (shape.authenticatedAsItGoes && shape.bytes >= streamedDownloadBytes()) {
    const streamed = await streamedDownload(name);
    if (streamed) return streamed;
  }
  return blobDownload(name);
}

/** The active download worker, registered on first use; undefined where the page cannot have one (no secure context). */
async function downloadWorker(): Promise<ServiceWorker | undefined> {
  if (!('serviceWorker' in navigator)) return undefined;
  try {
    await navigator.serviceWorker.register('download-worker.js');
    return (await navigator.serviceWorker.ready).active ?? undefined;
  } catch {
    return undefined; // refused (a browser setting, a private mode without workers): the Blob download instead
  }
}

/**
 * Hands a stream's readable end to the download worker; the sink returned writes into the other end.
 * The browser's download starts (a hidden frame opens the worker's address for it) at the first byte
 * or at the end of an empty body, so a failure before any plaintext (a refused key) starts none. A
 * write waits until the browser's download reads.
 */
async function streamedDownload(name: string): Promise<WritableStream<Uint8Array> | undefined> {
  const worker = await downloadWorker();
  if (!worker) return undefined;
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const download: StreamedDownload = { id: crypto.randomUUID(), name, stream: readable };
  const { port1, port2 } = new MessageChannel();
  const handedOver = new Promise((resolve) => { port1.onmessage = resolve; });
  worker.postMessage(download, [readable, port2]);
  await handedOver;
  let frame: HTMLIFrameElement | undefined;
  const start = () => {
    frame ??= document.body.appendChild(h('iframe', { hidden: '', title: `Download of ${name}`, src: `${STREAMED_DOWNLOAD_PATH}${download.id}` }));
  };
  // The frame only starts the download; the browser's download outlives it.
  const removeFrame = () => setTimeout(() => frame?.remove(), 60_000);
  const writer = writable.getWriter();
  return new WritableStream({
    write: (chunk) => {
      start();
      return writer.write(chunk);
    },
    close: async () => {
      start();
      await writer.close();
      removeFrame();
    },
    abort: async (reason) => {
      await writer.abort(reason); // the worker's stream errors: a started download fails, an unstarted one never starts
      removeFrame();
    },
  });
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
