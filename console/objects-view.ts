// The Buckets panel: the account's buckets; a bucket's objects (every page of ListObjectsV2) with
// each one's encryption as HeadObject reports it; delete an object.

import { AwsError, firstText, s3 } from './aws-calls.js';
import { byId, h } from './dom.js';
import type { Session } from './session.js';

/** `/bucket/key`, each key segment percent-encoded once (S3 signs the path as sent). */
const objectPath = (bucket: string, key = '') => `/${encodeURIComponent(bucket)}/${key.split('/').map(encodeURIComponent).join('/')}`;

/**
 * How an object is encrypted, from HeadObject's headers (S3 User Guide, "Protecting data with
 * encryption"): x-amz-server-side-encryption AES256 (SSE-S3), aws:kms (SSE-KMS), aws:kms:dsse
 * (DSSE-KMS) with its key; the S3 Encryption Client's x-amz-meta-x-amz-key-v2 (client-side); an
 * SSE-C object's HEAD without its key is refused with 400 (S3 API Reference, HeadObject).
 */
async function encryptionOf(session: Session, bucket: string, key: string): Promise<string> {
  let headers: Headers;
  try {
    ({ headers } = await s3(session, 'HEAD', objectPath(bucket, key)));
  } catch (error) {
    if (error instanceof AwsError && error.code === 'HTTP 400') return 'SSE-C (customer key)';
    throw error;
  }
  const kmsKey = headers.get('x-amz-server-side-encryption-aws-kms-key-id');
  const server = { AES256: 'SSE-S3', 'aws:kms': `SSE-KMS (${kmsKey})`, 'aws:kms:dsse': `DSSE-KMS (${kmsKey})` }[headers.get('x-amz-server-side-encryption') ?? ''];
  const client = headers.get('x-amz-meta-x-amz-key-v2') !== null ? `client-side (${headers.get('x-amz-meta-x-amz-cek-alg')})` : undefined;
  return [client, server].filter(Boolean).join(', ') || 'none';
}

export class ObjectsView {
  private bucket: string | undefined;

  /** `act` runs an action, then shows every panel as it now is (main.ts). */
  constructor(private readonly session: Session, private readonly act: (action: () => Promise<unknown>) => Promise<void>) {
    byId<HTMLButtonElement>('refresh-buckets').onclick = () => void this.act(async () => undefined);
  }

  async render(): Promise<void> {
    const { xml } = await s3(this.session, 'GET', '/');
    const names = Array.from(xml.getElementsByTagName('Bucket')).map((b) => firstText(b, 'Name'));
    byId('buckets-list').replaceChildren(...names.map((name) => {
      const button = h('button', { type: 'button', 'aria-pressed': String(name === this.bucket) }, name);
      button.onclick = () => {
        this.bucket = name;
        void this.act(async () => undefined);
      };
      return h('li', {}, button);
    }));
    byId('buckets-empty').hidden = names.length > 0;
    if (this.bucket !== undefined && !names.includes(this.bucket)) this.bucket = undefined;
    byId('objects').hidden = this.bucket === undefined;
    if (this.bucket !== undefined) await this.renderObjects(this.bucket);
  }

  private async renderObjects(bucket: string): Promise<void> {
    byId('objects-heading').textContent = `Objects in ${bucket}`;
    const objects: { key: string; size: string; modified: string }[] = [];
    let token: string | undefined;
    do {
      const { xml } = await s3(this.session, 'GET', objectPath(bucket), { 'list-type': '2', ...(token ? { 'continuation-token': token } : {}) });
      for (const item of Array.from(xml.getElementsByTagName('Contents'))) {
        objects.push({ key: firstText(item, 'Key'), size: firstText(item, 'Size'), modified: firstText(item, 'LastModified') });
      }
      token = firstText(xml, 'IsTruncated') === 'true' ? firstText(xml, 'NextContinuationToken') : undefined;
    } while (token);
    const rows = await Promise.all(objects.map(async (o) => {
      const remove = h('button', { type: 'button', 'aria-label': `Delete ${o.key}` }, 'Delete');
      remove.onclick = () => void this.act(() => s3(this.session, 'DELETE', objectPath(bucket, o.key)));
      return h('tr', { 'data-key': o.key },
        h('td', { 'data-label': 'Key', class: 'mono' }, o.key),
        h('td', { 'data-label': 'Size' }, o.size),
        h('td', { 'data-label': 'Last modified' }, o.modified),
        h('td', { 'data-label': 'Encryption', class: 'encryption' }, await encryptionOf(this.session, bucket, o.key)),
        h('td', { 'data-label': 'Actions' }, remove));
    }));
    byId('objects-body').replaceChildren(...rows);
    byId('objects-empty').hidden = rows.length > 0;
  }
}
