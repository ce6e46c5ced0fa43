// Client-side uploads and downloads in the Buckets panel: choose or drop files, pick a KMS key, and
// each file is encrypted in the page and uploaded (client-side-upload.ts) with its own progress
// bar (bytes, MiB/s, time left) and Cancel; a client-side encrypted object's Download decrypts it
// in the page (client-side-download.ts) and saves it (plaintext-sink.ts).

import { kms } from './aws-calls.js';
import { ClientSideUpload, UploadCancelled } from './client-side-upload.js';
import { downloadDecrypted } from './client-side-download.js';
import { byId, h } from './dom.js';
import { plaintextSink } from './plaintext-sink.js';
import type { Session } from './session.js';

const MiB = 1024 * 1024;
const mib = (bytes: number) => (bytes / MiB).toFixed(1);

/** "12.0 / 256.0 MiB · 85.3 MiB/s · 3 s left" */
export function progressText(bytes: number, total: number, elapsedMs: number): string {
  const perSecond = elapsedMs > 0 ? bytes / (elapsedMs / 1000) : 0;
  const left = perSecond > 0 ? `${Math.ceil((total - bytes) / perSecond)} s left` : '…';
  return `${mib(bytes)} / ${mib(total)} MiB · ${mib(perSecond)} MiB/s · ${left}`;
}

export class TransfersView {
  /** `act` runs an action, then shows every panel as it now is (main.ts); `bucket` is the bucket chosen in the Buckets panel. */
  constructor(private readonly session: Session, private readonly act: (action: () => Promise<unknown>) => Promise<void>, private readonly bucket: () => string | undefined) {
    byId<HTMLFormElement>('upload-form').onsubmit = (event) => {
      event.preventDefault();
      const input = byId<HTMLInputElement>('upload-files');
      this.uploadAll(Array.from(input.files ?? []));
      input.value = '';
    };
    const zone = byId('drop-zone');
    zone.ondragover = (event) => {
      event.preventDefault();
      zone.classList.add('dragging');
    };
    zone.ondragleave = () => zone.classList.remove('dragging');
    zone.ondrop = (event) => {
      event.preventDefault();
      zone.classList.remove('dragging');
      if (byId<HTMLInputElement>('upload-key').reportValidity()) this.uploadAll(Array.from(event.dataTransfer?.files ?? []));
    };
  }

  /** The key picker offers the account's aliases (any key ID, ARN or alias can be typed). */
  async render(): Promise<void> {
    const { Aliases } = await kms<{ Aliases: { AliasName: string; TargetKeyId?: string }[] }>(this.session, 'ListAliases');
    byId('upload-key-choices').replaceChildren(...Aliases.filter((a) => a.TargetKeyId).map((a) => h('option', { value: a.AliasName })));
  }

  private uploadAll(files: File[]): void {
    const bucket = this.bucket();
    const keyId = byId<HTMLInputElement>('upload-key').value.trim();
    if (bucket === undefined) return;
    for (const file of files) this.upload(bucket, keyId, file);
  }

  private upload(bucket: string, keyId: string, file: File): void {
    const bar = h('progress', { max: String(file.size), value: '0', 'aria-label': `Upload of ${file.name}` });
    const status = h('span', { class: 'transfer-status' }, 'Encrypting and uploading…');
    const cancel = h('button', { type: 'button', 'aria-label': `Cancel upload of ${file.name}` }, 'Cancel');
    const row = h('li', { 'data-upload': file.name }, h('span', { class: 'mono' }, `${bucket}/${file.name}`), bar, status, cancel);
    byId('transfers').append(row);
    const started = performance.now();
    const upload = new ClientSideUpload(this.session, bucket, file.name, file, keyId, (bytes) => {
      bar.value = bytes;
      status.textContent = progressText(bytes, file.size, performance.now() - started);
    });
    cancel.onclick = () => upload.cancel();
    const finished = upload.run().then(() => {
      status.textContent = `Uploaded ${mib(file.size)} MiB, encrypted in this page under ${keyId} (${((performance.now() - started) / 1000).toFixed(1)} s)`;
      row.dataset.state = 'uploaded';
    }, (error: Error) => {
      row.dataset.state = error instanceof UploadCancelled ? 'cancelled' : 'failed';
      status.textContent = error instanceof UploadCancelled ? 'Cancelled: the multipart upload was aborted' : `Failed: ${error.name}: ${error.message}`;
      if (!(error instanceof UploadCancelled)) throw error;
    }).finally(() => cancel.remove());
    void this.act(() => finished);
  }

  /** Decrypts `key` in the page and saves it; started from a click (the file picker needs the gesture). */
  download(bucket: string, key: string): Promise<void> {
    const name = key.split('/').pop() || 'download';
    return plaintextSink(name).then((sink) => downloadDecrypted(this.session, bucket, key, sink));
  }
}
