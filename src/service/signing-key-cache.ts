// SigV4 signing keys, derived once per access key, date, region and service (AWS General Reference,
// "Create a signed AWS API request", step 4: kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date),
// region), service), "aws4_request")) instead of four HMACs on every request. An entry remembers the
// secret it was derived from, so a key whose secret changed is derived again; the cache is bounded,
// oldest first out. Evicted keys are not zeroed: a streaming upload still signing its chunks may hold one.

import { createHmac } from 'node:crypto';

export class SigningKeyCache {
  private readonly keys = new Map<string, { secret: string; key: Buffer }>();

  constructor(private readonly capacity = 1024) {}

  /** The signing key for `secret` in the scope `date/region/service/aws4_request`. */
  signingKey(accessKeyId: string, secret: string, date: string, region: string, service: string): Buffer {
    const name = `${accessKeyId}/${date}/${region}/${service}`;
    const cached = this.keys.get(name);
    if (cached && cached.secret === secret) return cached.key;
    let key = createHmac('sha256', `AWS4${secret}`).update(date).digest();
    for (const part of [region, service, 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
    this.keys.delete(name);
    if (this.keys.size >= this.capacity) this.keys.delete(this.keys.keys().next().value!);
    this.keys.set(name, { secret, key });
    return key;
  }
}
