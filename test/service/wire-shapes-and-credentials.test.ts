// The small pure parts of the service: KMS JSON ⇄ library shapes, the choice of root credentials, log lines.

import { describe, expect, it } from 'vitest';
import { requestFromWire, responseToWire } from '../../src/service/kms-wire-shapes.js';
import { formatLogLine } from '../../src/service/request-log.js';
import { chooseRootCredentials, RootCredentialsError } from '../../src/service/root-credentials.js';

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe('KMS wire shapes (AWS JSON 1.1)', () => {
  it('requests: blobs from base64, ValidTo from epoch seconds, other members untouched', () => {
    const request = requestFromWire(json({ KeyId: 'k', Plaintext: 'aGk=', CiphertextBlob: '', ValidTo: 1700000000.5, EncryptionContext: { a: 'b' } }));
    expect(request).toEqual({ KeyId: 'k', Plaintext: new Uint8Array([104, 105]), CiphertextBlob: new Uint8Array(0),
      ValidTo: new Date(1700000000500), EncryptionContext: { a: 'b' } });
    expect(requestFromWire(new Uint8Array(0))).toEqual({});
  });

  it('responses: blobs to base64, Dates to epoch seconds at any depth, a bare top-level KeyId to its ARN; plaintext zeroed', () => {
    const plaintext = new Uint8Array([1, 2, 3]);
    const body = responseToWire({
      KeyId: '1234', Plaintext: plaintext, KeyMetadata: { KeyId: '1234', CreationDate: new Date(1700000000250) },
      Grants: [{ CreationDate: new Date(0) }], Absent: undefined,
    }, (id) => `arn:key/${id}`);
    expect(JSON.parse(body)).toEqual({ KeyId: 'arn:key/1234', Plaintext: 'AQID', KeyMetadata: { KeyId: '1234', CreationDate: 1700000000.25 }, Grants: [{ CreationDate: 0 }] });
    expect(plaintext).toEqual(new Uint8Array(3));
    expect(JSON.parse(responseToWire({ KeyId: 'arn:aws:kms:r:1:key/x' }, () => 'no'))).toEqual({ KeyId: 'arn:aws:kms:r:1:key/x' });
  });
});

describe('root credentials', () => {
  const stored = { accessKeyId: 'AKIASTOREDKEY0000000', secretAccessKey: 'stored-secret' };
  const env = (id?: string, secret?: string) => ({ KMS_WASM_ROOT_ACCESS_KEY_ID: id, KMS_WASM_ROOT_SECRET_ACCESS_KEY: secret });

  it('first start: the environment\'s pair, or a new one', () => {
    expect(chooseRootCredentials(env('AKIAFROMENVIRONMENT0', 's'), undefined)).toEqual({ credentials: { accessKeyId: 'AKIAFROMENVIRONMENT0', secretAccessKey: 's' }, generated: false });
    const made = chooseRootCredentials(env(), undefined);
    expect(made.generated).toBe(true);
    expect(made.credentials.accessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(made.credentials.secretAccessKey).toMatch(/^[A-Za-z0-9+/]{40}$/);
    expect(chooseRootCredentials(env(), undefined).credentials).not.toEqual(made.credentials);
  });

  it('later starts: the stored pair, which the environment must equal if set', () => {
    expect(chooseRootCredentials(env(), stored)).toEqual({ credentials: stored, generated: false });
    expect(chooseRootCredentials(env(stored.accessKeyId, stored.secretAccessKey), stored).credentials).toEqual(stored);
    expect(() => chooseRootCredentials(env(stored.accessKeyId, 'other'), stored)).toThrow(RootCredentialsError);
    expect(() => chooseRootCredentials(env('AKIAOTHERKEY00000000', stored.secretAccessKey), stored)).toThrow(/differ/);
  });

  it('one variable without the other, or a malformed access key id, is refused', () => {
    expect(() => chooseRootCredentials(env('AKIAONLYTHEID0000000'), undefined)).toThrow(/both/);
    expect(() => chooseRootCredentials(env(undefined, 'secret'), stored)).toThrow(/both/);
    expect(() => chooseRootCredentials(env('akia-lower', 'secret'), undefined)).toThrow(/KMS_WASM_ROOT_ACCESS_KEY_ID/);
  });
});

describe('request log lines', () => {
  it('are one line whatever the request named, with the fields in order', () => {
    const line = formatLogLine({ method: 'POST', operation: 'iam:List\nUsers 2026 FAKE', principal: undefined, status: 400, bytesIn: 10, bytesOut: 20,
      milliseconds: 1.25 }, new Date(0));
    expect(line).toBe('1970-01-01T00:00:00.000Z POST iam:List?Users?2026?FAKE - 400 in=10 out=20 1.3ms');
  });
});
