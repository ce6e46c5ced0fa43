// SigV4 on every request: wrong secret, unknown access key, clock skew, wrong region, no or malformed
// Authorization, and any signed part changed after signing — each refused with the name the AWS
// service gives it; aws:SourceIp reaches policies.

import { createHash } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import * as IamSdk from '@aws-sdk/client-iam';
import * as Kms from '@aws-sdk/client-kms';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT, failure, ROOT, startTestService, type TestService } from './service-fixture.js';
import { kmsRequest, sendSigned, signRequest } from './signed-request.js';

const MINUTE = 60_000;

describe('SigV4 authentication', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService();
  });

  it('a wrong secret: KMS InvalidSignatureException (400), IAM and STS SignatureDoesNotMatch (403)', async () => {
    const wrong = { accessKeyId: ROOT.accessKeyId, secretAccessKey: `${ROOT.secretAccessKey.slice(0, -1)}X` };
    expect(await failure(t.kms(wrong).send(new Kms.ListKeysCommand({})))).toMatchObject({ name: 'InvalidSignatureException', status: 400 });
    expect(await failure(t.iam(wrong).send(new IamSdk.ListUsersCommand({})))).toMatchObject({ name: 'SignatureDoesNotMatch', status: 403 });
    expect(await failure(t.sts(wrong).send(new GetCallerIdentityCommand({})))).toMatchObject({ name: 'SignatureDoesNotMatch', status: 403 });
  });

  it('an unknown access key: KMS UnrecognizedClientException (400), IAM and STS InvalidClientTokenId (403)', async () => {
    const unknown = { accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: ROOT.secretAccessKey };
    expect(await failure(t.kms(unknown).send(new Kms.ListKeysCommand({})))).toMatchObject({ name: 'UnrecognizedClientException', status: 400 });
    expect(await failure(t.iam(unknown).send(new IamSdk.ListUsersCommand({})))).toMatchObject({ name: 'InvalidClientTokenId', status: 403 });
    expect(await failure(t.sts(unknown).send(new GetCallerIdentityCommand({})))).toMatchObject({ name: 'InvalidClientTokenId', status: 403 });
  });

  it('a clock more than 15 minutes off is refused, ahead or behind; 14 minutes is accepted', async () => {
    for (const offset of [16 * MINUTE, -16 * MINUTE, 60 * MINUTE]) {
      const kms = t.kms(ROOT, { systemClockOffset: offset });
      expect(await failure(kms.send(new Kms.ListKeysCommand({})))).toMatchObject({ name: 'InvalidSignatureException', status: 400 });
      const sts = t.sts();
      sts.config.systemClockOffset = offset;
      expect(await failure(sts.send(new GetCallerIdentityCommand({})))).toMatchObject({ name: 'SignatureDoesNotMatch', status: 403 });
    }
    for (const offset of [14 * MINUTE, -14 * MINUTE]) {
      await t.kms(ROOT, { systemClockOffset: offset }).send(new Kms.ListKeysCommand({}));
    }
  });

  it('the SDK corrects its clock from our Date header and its retry succeeds, as against AWS', async () => {
    const kms = t.kms(ROOT, { systemClockOffset: 30 * MINUTE, maxAttempts: 2 });
    await kms.send(new Kms.ListKeysCommand({}));
    expect(Math.abs(kms.config.systemClockOffset)).toBeLessThan(MINUTE);
  });

  it('a presigned STS GetCallerIdentity URL (query-string SigV4, its empty body hashed) is accepted; changed, it is refused', async () => {
    const { host } = new URL(t.service.url);
    const signer = new SignatureV4({ credentials: ROOT, region: 'us-east-1', service: 'sts', sha256: Sha256 });
    const presigned = await signer.presign({ method: 'GET', protocol: 'http:', hostname: host, path: '/',
      query: { Action: 'GetCallerIdentity', Version: '2011-06-15' }, headers: { host } }, { expiresIn: 60 });
    const url = `${t.service.url}/?${new URLSearchParams(presigned.query as Record<string, string>)}`;
    const accepted = await fetch(url);
    expect(accepted.status).toBe(200);
    expect(await accepted.text()).toContain(`<Arn>arn:aws:iam::${ACCOUNT}:root</Arn>`);
    const changed = await fetch(url.replace('Version=2011-06-15', 'Version=2011-06-16'));
    expect(changed.status).toBe(403);
    expect(await changed.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
  });

  it('a credential scope for another region is refused (KMS is in us-east-1; IAM and STS are signed for us-east-1)', async () => {
    expect(await failure(t.kms(ROOT, { region: 'eu-west-1' }).send(new Kms.ListKeysCommand({})))).toMatchObject({ name: 'InvalidSignatureException', status: 400 });
    const sts = await sendSigned(t.service.url, { service: 'sts', region: 'eu-west-1', credentials: ROOT,
      headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=GetCallerIdentity&Version=2011-06-15' });
    expect(sts.status).toBe(403);
    expect(sts.body).toContain('<Code>SignatureDoesNotMatch</Code>');
  });

  it('no Authorization header: MissingAuthenticationToken (403), in the JSON or Query shape the request came in', async () => {
    const json = await fetch(t.service.url, { method: 'POST', headers: { 'x-amz-target': 'TrentService.ListKeys', 'content-type': 'application/x-amz-json-1.1' }, body: '{}' });
    expect(json.status).toBe(403);
    expect(await json.json()).toMatchObject({ __type: 'MissingAuthenticationToken' });
    const query = await fetch(t.service.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=ListUsers' });
    expect(query.status).toBe(403);
    expect(await query.text()).toMatch(/<Code>MissingAuthenticationToken<\/Code>/);
  });

  it('a malformed Authorization header: IncompleteSignatureException (400)', async () => {
    for (const authorization of ['AWS4-HMAC-SHA256 Credential=AKIA', 'Bearer x', `AWS4-HMAC-SHA256 Credential=${ROOT.accessKeyId}/20250101/us-east-1/kms/aws4_request, SignedHeaders=host, Signature=zz`]) {
      const response = await fetch(t.service.url, { method: 'POST', headers: { authorization, 'x-amz-target': 'TrentService.ListKeys' }, body: '{}' });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ __type: 'IncompleteSignatureException' });
    }
  });

  it.each([true, false])('changing any signed part after signing (body byte, target, date, signed header, signature) is InvalidSignatureException (x-amz-content-sha256 sent: %s)', async (applyChecksum) => {
    const url = t.service.url;
    const body = JSON.stringify({ NumberOfBytes: 16 });
    const request = { ...kmsRequest('GenerateRandom', body, ROOT), applyChecksum };
    const headers = await signRequest(url, request);
    expect('x-amz-content-sha256' in headers).toBe(applyChecksum);
    delete headers.host;
    const send = (h: Record<string, string>, b: string) => fetch(url, { method: 'POST', headers: h, body: b });
    expect((await send(headers, body)).status).toBe(200);
    const variants: Array<[Record<string, string>, string]> = [];
    for (let i = 0; i < body.length; i++) variants.push([headers, body.slice(0, i) + String.fromCharCode(body.charCodeAt(i) ^ 1) + body.slice(i + 1)]);
    // a changed body with the payload-hash header changed to match it (but not re-signed)
    const changed = body.replace('16', '17');
    variants.push([{ ...headers, 'x-amz-content-sha256': createHash('sha256').update(changed).digest('hex') }, changed]);
    variants.push([{ ...headers, 'x-amz-target': 'TrentService.ListKeys' }, body]);
    const date = headers['x-amz-date']!;
    variants.push([{ ...headers, 'x-amz-date': date.replace(/\d\dZ$/, (s) => `${String((Number(s.slice(0, 2)) + 1) % 60).padStart(2, '0')}Z`) }, body]);
    variants.push([{ ...headers, 'content-type': 'application/json' }, body]);
    const signature = /Signature=([0-9a-f]+)/.exec(headers.authorization!)![1]!;
    for (let i = 0; i < signature.length; i += 7) {
      const flipped = signature.slice(0, i) + (signature[i] === '0' ? '1' : '0') + signature.slice(i + 1);
      variants.push([{ ...headers, authorization: headers.authorization!.replace(signature, flipped) }, body]);
    }
    for (const [h, b] of variants) {
      const response = await send(h, b);
      expect(response.status).toBe(400);
      expect((await response.json() as { __type: string }).__type).toBe('InvalidSignatureException');
    }
  });

  it('aws:SourceIp and aws:SecureTransport reach the policies (loopback, plain HTTP)', async () => {
    const iam = t.iam();
    await iam.send(new IamSdk.CreateUserCommand({ UserName: 'ip-user' }));
    const key = (await iam.send(new IamSdk.CreateAccessKeyCommand({ UserName: 'ip-user' }))).AccessKey!;
    const credentials = { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
    const allowFrom = (cidr: string, secure?: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{
      Effect: 'Allow', Action: 'kms:GenerateRandom', Resource: '*',
      Condition: { IpAddress: { 'aws:SourceIp': cidr }, ...(secure ? { Bool: { 'aws:SecureTransport': secure } } : {}) },
    }] });
    await iam.send(new IamSdk.PutUserPolicyCommand({ UserName: 'ip-user', PolicyName: 'p', PolicyDocument: allowFrom('127.0.0.0/8') }));
    await t.kms(credentials).send(new Kms.GenerateRandomCommand({ NumberOfBytes: 8 }));
    await iam.send(new IamSdk.PutUserPolicyCommand({ UserName: 'ip-user', PolicyName: 'p', PolicyDocument: allowFrom('10.0.0.0/8') }));
    expect(await failure(t.kms(credentials).send(new Kms.GenerateRandomCommand({ NumberOfBytes: 8 })))).toMatchObject({ name: 'AccessDeniedException' });
    await iam.send(new IamSdk.PutUserPolicyCommand({ UserName: 'ip-user', PolicyName: 'p', PolicyDocument: allowFrom('127.0.0.0/8', 'true') }));
    expect(await failure(t.kms(credentials).send(new Kms.GenerateRandomCommand({ NumberOfBytes: 8 })))).toMatchObject({ name: 'AccessDeniedException' });
    await iam.send(new IamSdk.PutUserPolicyCommand({ UserName: 'ip-user', PolicyName: 'p', PolicyDocument: allowFrom('127.0.0.0/8', 'false') }));
    await t.kms(credentials).send(new Kms.GenerateRandomCommand({ NumberOfBytes: 8 }));
  });

  it('the request log names method, operation, principal and status, and never a secret', () => {
    expect(t.log.some((l) => l.includes(`POST kms:ListKeys arn:aws:iam::${ACCOUNT}:root 200 `))).toBe(true);
    expect(t.log.some((l) => / POST kms:ListKeys - 400 /.test(l))).toBe(true);
    // Query clients (IAM, STS) name their Action in the form body, read after the log's first guess.
    expect(t.log.some((l) => l.includes(`POST iam:CreateUser arn:aws:iam::${ACCOUNT}:root 200 `))).toBe(true);
    expect(t.log.some((l) => / POST sts:GetCallerIdentity - 403 /.test(l))).toBe(true);
    expect(t.log.join('\n')).not.toContain(ROOT.secretAccessKey);
    expect(t.log.join('\n')).not.toContain(ROOT.secretAccessKey.slice(0, -1));
  });
});
