// The Buckets panel: the account's buckets; a bucket's objects (every page of ListObjectsV2) with
// each one's encryption as HeadObject reports it; delete an object; download one (decrypted in the
// page if it is client-side encrypted; transfers-view.ts); create a bucket, delete an empty one.

import { AwsError, firstText, objectPath, s3, s3Document } from './aws-calls.js';
import { byId, h } from './dom.js';
import type { Session } from './session.js';
import type { TransfersView } from './transfers-view.js';

/**
 * How an object is encrypted, from HeadObject's headers (S3 User Guide, "Protecting data with
 * encryption"): x-amz-server-side-encryption AES256 (SSE-S3), aws:kms (SSE-KMS), aws:kms:dsse
 * (DSSE-KMS) with its key (and whether an S3 Bucket Key is used); the S3 Encryption Client's x-amz-meta-x-amz-key-v2 (client-side); an
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
  const bucketKey = headers.get('x-amz-server-side-encryption-bucket-key-enabled') === 'true' ? ', S3 Bucket Key' : '';
  const kmsKey = `${headers.get('x-amz-server-side-encryption-aws-kms-key-id')}${bucketKey}`;
  const server = { AES256: 'SSE-S3', 'aws:kms': `SSE-KMS (${kmsKey})`, 'aws:kms:dsse': `DSSE-KMS (${kmsKey})` }[headers.get('x-amz-server-side-encryption') ?? ''];
  const client = headers.get('x-amz-meta-x-amz-key-v2') !== null ? `client-side (${headers.get('x-amz-meta-x-amz-cek-alg')})` : undefined;
  return [client, server].filter(Boolean).join(', ') || 'none';
}

/** CreateBucket's body: none in us-east-1; elsewhere the Region as LocationConstraint (S3 API Reference, CreateBucket). */
function bucketConfiguration(region: string): string | undefined {
  return region === 'us-east-1' ? undefined : s3Document('CreateBucketConfiguration', [['LocationConstraint', region]]);
}

export class ObjectsView {
  /** The bucket whose objects are shown. */
  bucket: string | undefined;

  /** `act` runs an action, then shows every panel as it now is (main.ts). */
  constructor(private readonly session: Session, private readonly act: (action: () => Promise<unknown>) => Promise<void>, private readonly transfers: TransfersView) {
    byId<HTMLButtonElement>('refresh-buckets').onclick = () => void this.act(async () => undefined);
    byId<HTMLFormElement>('create-bucket-form').onsubmit = (event) => {
      event.preventDefault();
      const form = event.target as HTMLFormElement;
      const name = String(new FormData(form).get('bucket')).trim();
      void this.act(async () => {
        await s3(this.session, 'PUT', `/${encodeURIComponent(name)}`, {}, { body: bucketConfiguration(this.session.region) });
        form.reset();
        this.bucket = name;
      });
    };
    // S3 deletes only an empty bucket (BucketNotEmpty otherwise, shown as S3 says it).
    byId<HTMLButtonElement>('delete-bucket').onclick = () => {
      const name = this.bucket!;
      void this.act(() => s3(this.session, 'DELETE', `/${encodeURIComponent(name)}`));
    };
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
    byId('delete-bucket').setAttribute('aria-label', `Delete bucket ${bucket}`);
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
      const encryption = await encryptionOf(this.session, bucket, o.key);
      const download = h('button', { type: 'button', 'aria-label': `Download ${o.key}` }, 'Download');
      download.onclick = () => void this.act(() => this.transfers.download(bucket, o.key, encryption, Number(o.size)));
      return h('tr', { 'data-key': o.key },
        h('td', { 'data-label': 'Key', class: 'mono' }, o.key),
        h('td', { 'data-label': 'Size' }, o.size),
        h('td', { 'data-label': 'Last modified' }, o.modified),
        h('td', { 'data-label': 'Encryption', class: 'encryption' }, encryption),
        h('td', { 'data-label': 'Actions' }, download, remove));
    }));
    byId('objects-body').replaceChildren(...rows);
    byId('objects-empty').hidden = rows.length > 0;
  }
}
