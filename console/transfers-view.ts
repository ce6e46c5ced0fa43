// Uploads and downloads in the Buckets panel: choose or drop files, pick how they are encrypted
// (client-side under a KMS key, SSE-KMS, or SSE-C with the user's key), and each file is uploaded
// (file-upload.ts) with its own progress bar (bytes, MiB/s, time left) and Cancel. A client-side
// encrypted object's Download decrypts it in the page (client-side-download.ts); any other object's
// is the service's plaintext (object-download.ts), an SSE-C object's after asking for its key.
// Either way the bytes are saved by plaintext-sink.ts.

import { kms } from './aws-calls.js';
import { downloadDecrypted } from './client-side-download.js';
import { customerKeyHeaders, generateCustomerKey, passphraseCustomerKey } from './customer-key.js';
import { byId, h } from './dom.js';
import { FileUpload, UploadCancelled, type UploadEncryption } from './file-upload.js';
import { downloadAsStored } from './object-download.js';
import { plaintextSink } from './plaintext-sink.js';
import { GCM_CEK_ALG } from '../src/s3/cse-metadata.js';
import type { Session } from './session.js';

type Mode = UploadEncryption['mode'];

/** Which fields the chosen encryption shows: the KMS key for client-side and SSE-KMS, the Bucket Key for SSE-KMS, the customer key for SSE-C. */
function showFieldsFor(mode: Mode): void {
  document.querySelectorAll<HTMLElement>('#upload-form [data-for]').forEach((field) => {
    const wanted = field.dataset.for === 'kms' ? mode !== 'SSE-C' : field.dataset.for!.startsWith(mode);
    field.hidden = !wanted;
    if (field instanceof HTMLInputElement) field.required = wanted;
  });
}

/** What the file's row says once it is stored. */
const storedAs = (encryption: UploadEncryption) => ({
  'client-side': () => `encrypted in this page under ${(encryption as { keyId: string }).keyId}`,
  'SSE-KMS': () => `encrypted by the service with SSE-KMS under ${(encryption as { keyId: string }).keyId}`,
  'SSE-C': () => 'encrypted by the service with SSE-C under your key',
})[encryption.mode]();

/** The SSE-C headers for what was typed: a base64 key, or a passphrase the object's key derives from. */
async function customerKeyFor(text: string, passphrase: boolean, bucket: string, key: string): Promise<Record<string, string>> {
  return customerKeyHeaders(passphrase ? await passphraseCustomerKey(text, bucket, key) : text);
}

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
    const form = byId<HTMLFormElement>('upload-form');
    form.onsubmit = (event) => {
      event.preventDefault();
      const input = byId<HTMLInputElement>('upload-files');
      this.uploadAll(Array.from(input.files ?? []));
      input.value = '';
    };
    form.onchange = () => showFieldsFor(this.mode());
    showFieldsFor(this.mode());
    byId<HTMLButtonElement>('generate-customer-key').onclick = () => {
      byId<HTMLInputElement>('upload-customer-key').value = generateCustomerKey();
      byId<HTMLInputElement>('upload-customer-key-passphrase').checked = false;
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
      const fields = [byId<HTMLInputElement>('upload-key'), byId<HTMLInputElement>('upload-customer-key')];
      if (fields.every((field) => field.reportValidity())) this.uploadAll(Array.from(event.dataTransfer?.files ?? []));
    };
    const dialog = byId<HTMLDialogElement>('customer-key-dialog');
    byId<HTMLButtonElement>('customer-key-cancel').onclick = () => dialog.close();
  }

  private mode(): Mode {
    return new FormData(byId<HTMLFormElement>('upload-form')).get('encryption') as Mode;
  }

  /** The key picker offers the account's aliases (any key ID, ARN or alias can be typed). */
  async render(): Promise<void> {
    const { Aliases } = await kms<{ Aliases: { AliasName: string; TargetKeyId?: string }[] }>(this.session, 'ListAliases');
    byId('upload-key-choices').replaceChildren(...Aliases.filter((a) => a.TargetKeyId).map((a) => h('option', { value: a.AliasName })));
  }

  private uploadAll(files: File[]): void {
    const bucket = this.bucket();
    if (bucket === undefined) return;
    const mode = this.mode();
    const keyId = byId<HTMLInputElement>('upload-key').value.trim();
    const bucketKey = byId<HTMLInputElement>('upload-bucket-key').checked;
    const customerKey = byId<HTMLInputElement>('upload-customer-key').value;
    const passphrase = byId<HTMLInputElement>('upload-customer-key-passphrase').checked;
    for (const file of files) {
      const encryption: Promise<UploadEncryption> = mode === 'SSE-C'
        ? customerKeyFor(customerKey, passphrase, bucket, file.name).then((headers) => ({ mode, customerKey: headers }))
        : Promise.resolve(mode === 'SSE-KMS' ? { mode, keyId, bucketKey } : { mode, keyId });
      // A malformed customer key (or an empty passphrase) is refused before anything is sent.
      encryption.then((chosen) => this.upload(bucket, chosen, file), (error) => void this.act(() => Promise.reject(error)));
    }
  }

  private upload(bucket: string, encryption: UploadEncryption, file: File): void {
    const bar = h('progress', { max: String(file.size), value: '0', 'aria-label': `Upload of ${file.name}` });
    const status = h('span', { class: 'transfer-status' }, encryption.mode === 'client-side' ? 'Encrypting and uploading…' : 'Uploading…');
    const cancel = h('button', { type: 'button', 'aria-label': `Cancel upload of ${file.name}` }, 'Cancel');
    const row = h('li', { 'data-upload': file.name }, h('span', { class: 'mono' }, `${bucket}/${file.name}`), bar, status, cancel);
    byId('transfers').append(row);
    const started = performance.now();
    const upload = new FileUpload(this.session, bucket, file.name, file, encryption, (bytes) => {
      bar.value = bytes;
      status.textContent = progressText(bytes, file.size, performance.now() - started);
    });
    cancel.onclick = () => upload.cancel();
    const finished = upload.run().then(() => {
      status.textContent = `Uploaded ${mib(file.size)} MiB, ${storedAs(encryption)} (${((performance.now() - started) / 1000).toFixed(1)} s)`;
      row.dataset.state = 'uploaded';
    }, (error: Error) => {
      row.dataset.state = error instanceof UploadCancelled ? 'cancelled' : 'failed';
      status.textContent = error instanceof UploadCancelled ? 'Cancelled: the multipart upload was aborted' : `Failed: ${error.name}: ${error.message}`;
      if (!(error instanceof UploadCancelled)) throw error;
    }).finally(() => cancel.remove());
    void this.act(() => finished);
  }

  /**
   * Saves `key`: decrypted in the page (client-side), else as the service decrypts it; an SSE-C
   * object's key is asked for first. Started from a click (the file picker needs the gesture).
   */
  download(bucket: string, key: string, encryption: string, bytes: number): Promise<void> {
    const name = key.split('/').pop() || 'download';
    // Only an AES/GCM/NoPadding body releases bytes before they authenticate (its tag is at its end).
    const shape = { bytes, authenticatedAsItGoes: !encryption.startsWith(`client-side (${GCM_CEK_ALG})`) };
    if (encryption.startsWith('client-side')) return plaintextSink(name, shape).then((sink) => downloadDecrypted(this.session, bucket, key, sink));
    if (!encryption.startsWith('SSE-C')) return plaintextSink(name, shape).then((sink) => downloadAsStored(this.session, bucket, key, sink));
    const dialog = byId<HTMLDialogElement>('customer-key-dialog');
    const form = byId<HTMLFormElement>('customer-key-form');
    const field = byId<HTMLInputElement>('download-customer-key');
    byId('customer-key-object').textContent = key;
    dialog.showModal();
    form.onsubmit = (event) => {
      event.preventDefault();
      const text = field.value;
      const passphrase = byId<HTMLInputElement>('download-customer-key-passphrase').checked;
      form.reset(); // the key stays nowhere in the page
      dialog.close();
      void this.act(async () => {
        const sink = await plaintextSink(name, shape); // first, while the click still counts as the user's gesture
        let headers: Record<string, string>;
        try {
          headers = await customerKeyFor(text, passphrase, bucket, key);
        } catch (error) {
          await sink.abort();
          throw error;
        }
        await downloadAsStored(this.session, bucket, key, sink, headers);
      });
    };
    return Promise.resolve();
  }
}
