// Policy variables (IAM User Guide, "IAM policy elements: Variables and tags"), in the engine and
// through ObjectStore, the classic per-user home folder.
import { describe, expect, it } from 'vitest';
import { Iam, ObjectStore } from '../../src/index.js';
import { evaluatePolicies, parsePolicy, type PolicyRequest } from '../../src/policy/index.js';
import { expandPolicyVariables } from '../../src/policy/policy-variables.js';
import { matchesWildcard } from '../../src/policy/wildcard.js';
import { ACCOUNT, ALICE, makeKms, policyJson } from '../kms/fixtures.js';

const BOB = `arn:aws:iam::${ACCOUNT}:user/bob`;

describe('expanding policy variables', () => {
  it('replaces keys (case-insensitively), takes defaults, and keeps what it put in literal', () => {
    const context = { 'aws:username': 'al*ce', 'aws:PrincipalTag/team': 'blue', multi: ['a', 'b'] };
    const expanded = expandPolicyVariables('home/${aws:username}/*', context);
    expect(expanded && typeof expanded !== 'string' && expanded.text).toBe('home/al*ce/*');
    expect(matchesWildcard(expanded!, 'home/al*ce/file')).toBe(true);
    expect(matchesWildcard(expanded!, 'home/alice/file')).toBe(false); // the user's * is no wildcard
    expect(expandPolicyVariables('t/${AWS:PRINCIPALTAG/TEAM}', context)).toMatchObject({ text: 't/blue' });
    expect(expandPolicyVariables("${aws:SourceIp, 'none'}", context)).toMatchObject({ text: 'none' });
    expect(expandPolicyVariables('${aws:SourceIp}', context)).toBeUndefined();
    expect(expandPolicyVariables('${multi}', context)).toBeUndefined();
    const escapes = expandPolicyVariables('a${*}b${?}c${$}', context)!;
    expect(escapes).toMatchObject({ text: 'a*b?c$' });
    expect(matchesWildcard(escapes, 'a*b?c$')).toBe(true);
    expect(matchesWildcard(escapes, 'axbyc$')).toBe(false);
    expect(expandPolicyVariables('no variables', context)).toBe('no variables');
  });
});

describe('policies with variables', () => {
  const request = (principal: string, resource: string): PolicyRequest => ({ principal, action: 's3:GetObject', resource, context: {} });
  const home = (version: string) => parsePolicy(JSON.stringify({ Version: version, Statement: [
    { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::home/${aws:username}/*' }] }), false);

  it('expand in Version 2012-10-17 only; an older policy compares them literally', () => {
    expect(evaluatePolicies([home('2012-10-17')], request(ALICE, 'arn:aws:s3:::home/alice/x')).allowed).toBe('direct');
    expect(evaluatePolicies([home('2012-10-17')], request(ALICE, 'arn:aws:s3:::home/bob/x')).allowed).toBe('none');
    expect(evaluatePolicies([home('2008-10-17')], request(ALICE, 'arn:aws:s3:::home/alice/x')).allowed).toBe('none');
    expect(evaluatePolicies([home('2008-10-17')], request(ALICE, 'arn:aws:s3:::home/${aws:username}/x')).allowed).toBe('direct');
    // The account root has no aws:username: the pattern matches nothing.
    expect(evaluatePolicies([home('2012-10-17')], request(`arn:aws:iam::${ACCOUNT}:root`, 'arn:aws:s3:::home//x')).allowed).toBe('none');
  });

  it('in string and ARN conditions, not in numeric ones', () => {
    const doc = parsePolicy(policyJson([{ Effect: 'Deny', Action: '*', Resource: '*', Condition: {
      StringNotEquals: { 'kms:EncryptionContext:owner': '${aws:username}' } } }]), false);
    const ask = (principal: string, owner: string) => evaluatePolicies([doc], { principal, action: 'kms:Decrypt', resource: '*',
      context: { 'kms:EncryptionContext:owner': owner } }).denied;
    expect(ask(ALICE, 'alice')).toBe(false);
    expect(ask(ALICE, 'bob')).toBe(true);
    const arn = parsePolicy(policyJson([{ Effect: 'Allow', Action: '*', Resource: '*', Condition: { ArnEquals: { 'aws:SourceArn': 'arn:aws:s3:::${aws:username}-bucket' } } }]), false);
    expect(evaluatePolicies([arn], { principal: ALICE, action: 'x:Y', resource: '*', context: { 'aws:SourceArn': 'arn:aws:s3:::alice-bucket' } }).allowed).toBe('direct');
    expect(evaluatePolicies([arn], { principal: BOB, action: 'x:Y', resource: '*', context: { 'aws:SourceArn': 'arn:aws:s3:::alice-bucket' } }).allowed).toBe('none');
  });

  it('through ObjectStore: each user reads only their own home folder, and a Deny with a variable denies', async () => {
    const iam = new Iam();
    const { kms } = makeKms({ iam });
    const s3 = new ObjectStore({ kms, iam });
    await s3.createBucket({ Bucket: 'home' });
    for (const user of ['alice', 'bob']) await s3.putObject({ Bucket: 'home', Key: `${user}/notes.txt`, Body: `${user}'s notes` });
    for (const principal of [ALICE, BOB]) {
      iam.putPrincipalPolicy({ PrincipalArn: principal, PolicyName: 'home', PolicyDocument: policyJson([
        { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::home/*' },
        { Effect: 'Deny', Action: 's3:GetObject', NotResource: 'arn:aws:s3:::home/${aws:username}/*' }]) });
    }
    expect(new TextDecoder().decode((await (await s3.getObject({ Bucket: 'home', Key: 'alice/notes.txt' }, { principal: ALICE })).Body.transformToByteArray()))).toBe("alice's notes");
    await expect(s3.getObject({ Bucket: 'home', Key: 'bob/notes.txt' }, { principal: ALICE })).rejects.toMatchObject({ name: 'AccessDenied' });
    await s3.getObject({ Bucket: 'home', Key: 'bob/notes.txt' }, { principal: BOB });
  });
});
