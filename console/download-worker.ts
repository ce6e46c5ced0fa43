// The console's service worker, for one job: saving a large download as a stream. The page hands it
// a stream of plaintext (each byte already authenticated: a framed body's frames, or the service's
// own decryption) under a random id, then opens streamed-download/<id> in a hidden frame; this worker
// answers that request with the stream as an attachment, so the browser writes the bytes to disk as
// they arrive instead of holding the whole file as a Blob (Chromium keeps at most 2 GB of Blobs in
// memory, and a private window none on disk: a 5 GiB download as a Blob fails there). If the stream
// fails (a tampered frame), the response body errors and the browser marks the download failed.
// Any other request goes to the network untouched. Built as a classic script (scripts/build.mjs).

import { STREAMED_DOWNLOAD_PATH, type StreamedDownload } from './streamed-download-protocol.js';

interface FetchEvent extends Event {
  readonly request: Request;
  respondWith(response: Response | Promise<Response>): void;
}

interface ExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void;
}

interface ServiceWorkerScope {
  addEventListener(type: 'install', listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<StreamedDownload>) => void): void;
  addEventListener(type: 'fetch', listener: (event: FetchEvent) => void): void;
  skipWaiting(): Promise<void>;
  readonly registration: { readonly scope: string };
}

const worker = self as unknown as ServiceWorkerScope;

/** Streams handed over and not yet asked for, by id (each is answered once, then forgotten). */
const waiting = new Map<string, StreamedDownload>();

worker.addEventListener('install', (event) => event.waitUntil(worker.skipWaiting()));

worker.addEventListener('message', (event) => {
  waiting.set(event.data.id, event.data);
  event.ports[0]?.postMessage('ready');
});

worker.addEventListener('fetch', (event) => {
  const prefix = new URL(STREAMED_DOWNLOAD_PATH, worker.registration.scope).pathname;
  const { pathname } = new URL(event.request.url);
  if (!pathname.startsWith(prefix)) return;
  const id = pathname.slice(prefix.length);
  const download = waiting.get(id);
  waiting.delete(id);
  if (!download) {
    event.respondWith(new Response('No such download\n', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } }));
    return;
  }
  event.respondWith(new Response(download.stream, {
    headers: {
      'content-type': 'application/octet-stream',
      'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(download.name)}`,
      'x-content-type-options': 'nosniff',
    },
  }));
});
