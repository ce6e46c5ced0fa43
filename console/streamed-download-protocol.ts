// What the page and its download service worker (download-worker.ts) share: the path, under the
// worker's scope, at which a handed-over stream is answered, and the message that hands it over.

export const STREAMED_DOWNLOAD_PATH = 'streamed-download/';

export interface StreamedDownload {
  /** Random (crypto.randomUUID), so one page cannot guess another download's address. */
  id: string;
  /** The file name the browser suggests. */
  name: string;
  /** Plaintext whose every byte has authenticated before it is written here. */
  stream: ReadableStream<Uint8Array>;
}
