// Requests no SDK would send: malformed JSON and forms, wrong member types, unknown operations,
// oversize bodies and headers, garbage on the socket. Each gets the AWS error for it (never a 500),
// and the service keeps serving.

import { connect } from 'node:net';
import * as Kms from '@aws-sdk/client-kms';
import { beforeAll, describe, expect, it } from 'vitest';
import { KMS_OPERATIONS } from '../../src/service/kms-json-api.js';
import { ROOT, startTestService, type TestService } from './service-fixture.js';
import { kmsRequest, sendSigned } from './signed-request.js';

describe('malformed requests', () => {
  let t: TestService;
  let keyId: string;
  beforeAll(async () => {
    t = await startTestService();
    keyId = (await t.kms().send(new Kms.CreateKeyCommand({}))).KeyMetadata!.KeyId!;
  });

  const kmsCall = async (operation: string, body: string) => {
    const response = await sendSigned(t.service.url, kmsRequest(operation, body, ROOT));
    return { status: response.status, type: (JSON.parse(response.body) as { __type: string }).__type, body: response.body };
  };

  it('a body that is not JSON, or not a JSON object: SerializationException (400)', async () => {
    for (const body of ['{', 'null', '[1]', '"text"', '42', '\u0000\u0001', '{"KeyId": "x"']) {
      expect(await kmsCall('DescribeKey', body)).toMatchObject({ status: 400, type: 'SerializationException' });
    }
    const notUtf8 = await sendSigned(t.service.url, kmsRequest('ListKeys', new Uint8Array([0x7b, 0xff, 0x7d]), ROOT));
    expect(notUtf8.status).toBe(400);
  });

  it('a blob that is not base64, a timestamp that is not a number: SerializationException', async () => {
    expect(await kmsCall('Encrypt', JSON.stringify({ KeyId: keyId, Plaintext: '***' }))).toMatchObject({ status: 400, type: 'SerializationException' });
    expect(await kmsCall('Decrypt', JSON.stringify({ CiphertextBlob: 5 }))).toMatchObject({ status: 400, type: 'SerializationException' });
    expect(await kmsCall('ImportKeyMaterial', JSON.stringify({ KeyId: keyId, ImportToken: 'AA==', EncryptedKeyMaterial: 'AA==', ValidTo: 'soon' })))
      .toMatchObject({ status: 400, type: 'SerializationException' });
  });

  it('an unknown target, no target, a method other than POST: UnknownOperationException (400)', async () => {
    expect(await kmsCall('DropAllKeys', '{}')).toMatchObject({ status: 400, type: 'UnknownOperationException' });
    expect(await kmsCall('constructor', '{}')).toMatchObject({ status: 400, type: 'UnknownOperationException' });
    expect(await kmsCall('awsManagedKeyId', '{}')).toMatchObject({ status: 400, type: 'UnknownOperationException' });
    const noTarget = await sendSigned(t.service.url, { service: 'kms', credentials: ROOT, body: '{}', headers: { 'content-type': 'application/x-amz-json-1.1' } });
    expect(noTarget.status).toBe(400);
    expect(JSON.parse(noTarget.body)).toMatchObject({ __type: 'UnknownOperationException' });
    const get = await sendSigned(t.service.url, { ...kmsRequest('ListKeys', '', ROOT), method: 'GET', body: undefined });
    expect(get.status).toBe(400);
  });

  it('members of the wrong type in every operation: a 400 naming an AWS exception, never a 500', async () => {
    const wrong = [{ KeyId: 5 }, { KeyId: keyId, Tags: 'x', TagKeys: 7, EncryptionContext: 'x', GrantTokens: 'x', Operations: 'x', Constraints: 5 },
      { KeyId: keyId, Plaintext: 'AA==', EncryptionContext: { a: 1 } }, { KeyId: keyId, NumberOfBytes: 'many', KeySpec: 5 },
      { KeyId: keyId, Policy: 5, AliasName: 5, TargetKeyId: [], GranteePrincipal: {}, Description: 5, PendingWindowInDays: 'x' },
      { KeyId: keyId, Limit: -1, RotationPeriodInDays: 1.5, WrappingAlgorithm: 5, WrappingKeySpec: [], RetiringPrincipal: 5, GrantId: 5 },
      { KeyId: keyId, Tags: [null], TagKeys: [null], Operations: [null], Constraints: { EncryptionContextSubset: 5 } }];
    const faults: string[] = [];
    for (const operation of KMS_OPERATIONS) {
      for (const body of wrong) {
        const answer = await kmsCall(operation, JSON.stringify(body));
        if (answer.status >= 500) faults.push(`${operation} ${JSON.stringify(body)}: ${t.log.at(-1)}`);
        if (answer.status !== 200) expect(answer.type, `${operation} ${JSON.stringify(body)}`).toMatch(/^[A-Z]\w+Exception$/);
      }
    }
    expect(faults).toEqual([]);
  }, 120_000);

  it('a body over 1 MiB: 413 in the service\'s shape, and the service keeps serving', async () => {
    const big = JSON.stringify({ KeyId: keyId, Description: 'x'.repeat(1024 * 1024 + 10) });
    const response = await sendSigned(t.service.url, kmsRequest('UpdateKeyDescription', big, ROOT));
    expect(response.status).toBe(413);
    expect(JSON.parse(response.body)).toMatchObject({ __type: 'RequestEntityTooLarge' });
    await t.kms().send(new Kms.ListKeysCommand({}));
  });

  it('IAM and STS: unknown Action is InvalidAction, a missing parameter MissingParameter, a non-form body MalformedQueryString (400)', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const iam = (body: string, headers: Record<string, string> = form) => sendSigned(t.service.url, { service: 'iam', credentials: ROOT, headers, body });
    for (const [body, code] of [['Action=DropEverything&Version=2010-05-08', 'InvalidAction'], ['Version=2010-05-08', 'InvalidAction'],
      ['Action=CreateUser&Version=2010-05-08', 'MissingParameter'], ['Action=toString&Version=2010-05-08', 'InvalidAction']] as const) {
      const response = await iam(body);
      expect(response.status, body).toBe(400);
      expect(response.body).toContain(`<Code>${code}</Code>`);
      expect(response.body).toMatch(/^<ErrorResponse xmlns="https:\/\/iam.amazonaws.com\/doc\/2010-05-08\/"><Error><Type>Sender<\/Type>/);
    }
    const json = await iam('{"Action": "ListUsers"}', { 'content-type': 'application/json' });
    expect(json.status).toBe(400);
    expect(json.body).toContain('<Code>MalformedQueryString</Code>');
    const sts = await sendSigned(t.service.url, { service: 'sts', credentials: ROOT, headers: form, body: 'Action=AssumeRole&Version=2011-06-15' });
    expect(sts.status).toBe(400);
    expect(sts.body).toContain('<Code>InvalidAction</Code>');
  });

  it('an S3 request reaches S3 (NoSuchBucket 404, in S3\'s <Error> shape); another service\'s scope is refused', async () => {
    const s3 = await sendSigned(t.service.url, { service: 's3', credentials: ROOT, method: 'GET', path: '/bucket/key', body: undefined });
    expect(s3.status).toBe(404);
    expect(s3.body).toContain('<Code>NoSuchBucket</Code>');
    const ec2 = await sendSigned(t.service.url, { service: 'ec2' as 'iam', credentials: ROOT, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=DescribeVolumes' });
    expect(ec2.status).toBe(403);
  });

  it('garbage on the socket and oversize headers get 400 and 431; the service keeps serving', async () => {
    const { port } = t.service;
    const raw = (bytes: string) => new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.end(bytes));
      let answer = '';
      socket.on('data', (d) => { answer += d.toString(); });
      socket.on('close', () => resolve(answer));
      socket.on('error', reject);
    });
    expect(await raw('NOT HTTP AT ALL\r\n\r\n')).toMatch(/^HTTP\/1.1 400 /);
    expect(await raw(`POST / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`)).toMatch(/^HTTP\/1.1 431 /);
    // a body cut short by the client closing: a 400, a 403 (an unsigned request, answered as S3 does
    // before reading its body) or a closed connection, never a crash
    expect(await raw('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n{}')).toMatch(/^(|HTTP\/1.1 40[03] [^]*)$/);
    expect(await raw('POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: TrentService.ListKeys\r\nContent-Length: 5\r\n\r\n{}')).toMatch(/^(|HTTP\/1.1 400 [^]*)$/);
    await t.kms().send(new Kms.ListKeysCommand({}));
  });
});
