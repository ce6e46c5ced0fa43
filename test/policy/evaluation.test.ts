import { describe, expect, it } from 'vitest';
import { evaluatePolicies, Iam, MalformedPolicyError, parsePolicy, type PolicyRequest } from '../../src/policy/index.js';

const ACCOUNT = '111122223333';
const ALICE = `arn:aws:iam::${ACCOUNT}:user/alice`;
const ROOT = `arn:aws:iam::${ACCOUNT}:root`;
const KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

const policy = (statements: object[]) => parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: statements }), true);
const request = (overrides: Partial<PolicyRequest> = {}): PolicyRequest => ({
  principal: ALICE, action: 'kms:Decrypt', resource: KEY, context: {}, ...overrides,
});

// The key policy from the seed text kms-cmk-dek-ebs.txt (written out here).
const seedEc2Policy = parsePolicy(JSON.stringify({
  Id: 'KeyPolicy', Version: '2012-10-17',
  Statement: [
    { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' },
    {
      Sid: 'Allow access for EC2 to encrypt/decrypt volumes', Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' },
      Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'], Resource: '*',
      Condition: {
        StringEquals: { 'kms:ViaService': 'ec2.amazonaws.com' },
        ArnLike: { 'kms:EncryptionContext:aws:ec2:arn': `arn:aws:ec2:us-east-1:${ACCOUNT}:volume/*` },
      },
    },
  ],
}), true);

describe('policy evaluation', () => {
  it('an Allow naming the caller allows directly; one naming the account root only delegates', () => {
    expect(evaluatePolicies([policy([{ Effect: 'Allow', Principal: { AWS: ALICE }, Action: 'kms:*', Resource: '*' }])], request()))
      .toEqual({ denied: false, allowed: 'direct' });
    expect(evaluatePolicies([policy([{ Effect: 'Allow', Principal: { AWS: ACCOUNT }, Action: 'kms:*', Resource: '*' }])], request()))
      .toEqual({ denied: false, allowed: 'account' });
    expect(evaluatePolicies([policy([{ Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' }])], request({ principal: ROOT })))
      .toEqual({ denied: false, allowed: 'direct' });
    const other = 'arn:aws:iam::444455556666:user/mallory';
    expect(evaluatePolicies([policy([{ Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' }])], request({ principal: other })).allowed)
      .toBe('none');
  });

  it('an explicit Deny wins over any Allow', () => {
    const doc = policy([
      { Effect: 'Allow', Principal: '*', Action: 'kms:*', Resource: '*' },
      { Effect: 'Deny', Principal: { AWS: ALICE }, Action: 'kms:Decrypt', Resource: '*' },
    ]);
    expect(evaluatePolicies([doc], request())).toEqual({ denied: true, allowed: 'direct' });
    expect(evaluatePolicies([doc], request({ action: 'kms:Encrypt' }))).toEqual({ denied: false, allowed: 'direct' });
  });

  it('Action wildcards are case-insensitive; NotAction, Resource and NotPrincipal narrow statements', () => {
    const describe = policy([{ Effect: 'Allow', Principal: '*', Action: 'KMS:Describe*', Resource: '*' }]);
    expect(evaluatePolicies([describe], request({ action: 'kms:DescribeKey' })).allowed).toBe('direct');
    expect(evaluatePolicies([describe], request({ action: 'kms:Decrypt' })).allowed).toBe('none');
    const notAction = policy([{ Effect: 'Deny', Principal: '*', NotAction: 'kms:Describe*', Resource: '*' }]);
    expect(evaluatePolicies([notAction], request()).denied).toBe(true);
    expect(evaluatePolicies([notAction], request({ action: 'kms:DescribeKey' })).denied).toBe(false);
    const otherKey = policy([{ Effect: 'Allow', Principal: '*', Action: 'kms:*', Resource: `${KEY}-other` }]);
    expect(evaluatePolicies([otherKey], request()).allowed).toBe('none');
    // NotPrincipal exempts alice only with her account listed too (IAM User Guide, "NotPrincipal").
    const notAliceAlone = policy([{ Effect: 'Deny', NotPrincipal: { AWS: ALICE }, Action: 'kms:*', Resource: '*' }]);
    expect(evaluatePolicies([notAliceAlone], request()).denied).toBe(true);
    const notAlice = policy([{ Effect: 'Deny', NotPrincipal: { AWS: [ALICE, ROOT] }, Action: 'kms:*', Resource: '*' }]);
    expect(evaluatePolicies([notAlice], request()).denied).toBe(false);
    expect(evaluatePolicies([notAlice], request({ principal: ROOT })).denied).toBe(false);
    expect(evaluatePolicies([notAlice], request({ principal: `arn:aws:iam::${ACCOUNT}:user/bob` })).denied).toBe(true);
  });

  it('aws:CurrentTime and aws:EpochTime come from the request\'s time (now by default)', () => {
    const until2027 = policy([{ Effect: 'Allow', Principal: '*', Action: 'kms:*', Resource: '*',
      Condition: { DateLessThan: { 'aws:CurrentTime': '2027-01-01T00:00:00Z' }, NumericLessThan: { 'aws:EpochTime': '1798761600' } } }]);
    expect(evaluatePolicies([until2027], request({ time: new Date('2026-12-31T23:59:59Z') })).allowed).toBe('direct');
    expect(evaluatePolicies([until2027], request({ time: new Date('2027-01-01T00:00:01Z') })).allowed).toBe('none');
    const sinceEpoch = policy([{ Effect: 'Deny', Principal: '*', Action: 'kms:*', Resource: '*', Condition: { DateGreaterThan: { 'aws:CurrentTime': '1970-01-02T00:00:00Z' } } }]);
    expect(evaluatePolicies([sinceEpoch], request()).denied).toBe(true);
  });

  it('aws:PrincipalArn and aws:PrincipalAccount are available to conditions', () => {
    const doc = policy([{ Effect: 'Allow', Principal: '*', Action: 'kms:*', Resource: '*',
      Condition: { StringEquals: { 'aws:PrincipalAccount': ACCOUNT }, ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:user/*` } } }]);
    expect(evaluatePolicies([doc], request()).allowed).toBe('direct');
    expect(evaluatePolicies([doc], request({ principal: 'arn:aws:iam::444455556666:user/x' })).allowed).toBe('none');
  });

  describe('the seed EC2 key policy', () => {
    const volume = `arn:aws:ec2:us-east-1:${ACCOUNT}:volume/vol-0123`;
    // EC2 acting as itself: the service principal the statement names.
    const viaEc2 = (context: Record<string, string>) => request({ principal: 'ec2.amazonaws.com', viaService: 'ec2.amazonaws.com',
      context: { 'kms:ViaService': 'ec2.amazonaws.com', ...context } });
    const aliceViaEc2 = (context: Record<string, string>) => request({ viaService: 'ec2.amazonaws.com', context: { 'kms:ViaService': 'ec2.amazonaws.com', ...context } });

    it('lets EC2 use the key for a volume of the account', () => {
      expect(evaluatePolicies([seedEc2Policy], viaEc2({ 'kms:EncryptionContext:aws:ec2:arn': volume })).allowed).toBe('direct');
    });

    it('does not let EC2 use it without a volume ARN in the encryption context, or for another account\'s volume', () => {
      expect(evaluatePolicies([seedEc2Policy], viaEc2({})).allowed).toBe('none');
      expect(evaluatePolicies([seedEc2Policy], viaEc2({ 'kms:EncryptionContext:aws:ec2:arn': 'arn:aws:ec2:us-east-1:444455556666:volume/vol-9' })).allowed).toBe('none');
      // A user's request made through EC2 is still the user's: only the account delegation applies.
      expect(evaluatePolicies([seedEc2Policy], aliceViaEc2({ 'kms:EncryptionContext:aws:ec2:arn': volume })).allowed).toBe('account');
      expect(evaluatePolicies([seedEc2Policy], request({ context: { 'kms:EncryptionContext:aws:ec2:arn': volume } })).allowed).toBe('account');
    });

    it('delegates everything else to the account\'s identity policies', () => {
      expect(evaluatePolicies([seedEc2Policy], request({ action: 'kms:ScheduleKeyDeletion' })).allowed).toBe('account');
    });
  });
});

describe('who a Principal names', () => {
  const allowFor = (...principals: string[]) => policy([{ Effect: 'Allow', Principal: { AWS: principals }, Action: 'kms:*', Resource: '*' }]);
  const denyAllBut = (...principals: string[]) => policy([{ Effect: 'Deny', NotPrincipal: { AWS: principals }, Action: 'kms:*', Resource: '*' }]);
  const session = (role: string, account = ACCOUNT) => `arn:aws:sts::${account}:assumed-role/${role}/session-1`;

  it('a role named with or without its path stands for its sessions, and for no other role\'s', () => {
    // IAM User Guide, "IAM identifiers": a role's ARN holds its path (role/team/app); a session's does not (assumed-role/app/…).
    for (const role of ['app', 'team/app', 'division/team/app']) {
      const named = `arn:aws:iam::${ACCOUNT}:role/${role}`;
      expect(evaluatePolicies([allowFor(named)], request({ principal: session('app') })).allowed, role).toBe('direct');
      expect(evaluatePolicies([allowFor(named)], request({ principal: session('other') })).allowed, role).toBe('none');
      expect(evaluatePolicies([allowFor(named)], request({ principal: session('ap') })).allowed, role).toBe('none');
      expect(evaluatePolicies([allowFor(named)], request({ principal: session('app', '444455556666') })).allowed, role).toBe('none');
      // NotPrincipal exempts a session only with the session, its role and its account listed (IAM User Guide, "NotPrincipal").
      expect(evaluatePolicies([denyAllBut(session('app'), named, ROOT)], request({ principal: session('app') })).denied, role).toBe(false);
      expect(evaluatePolicies([denyAllBut(session('app'), `arn:aws:iam::${ACCOUNT}:role/${role}x`, ROOT)], request({ principal: session('app') })).denied, role)
        .toBe(true);
    }
  });

  it('only a principal of exactly 12 digits is an account: an ARN ending in 12 digits is itself', () => {
    const build = `arn:aws:iam::${ACCOUNT}:user/build${ACCOUNT}`; // user names may hold digits ([\w+=,.@-]+)
    expect(evaluatePolicies([allowFor(build)], request({ principal: build })).allowed).toBe('direct');
    expect(evaluatePolicies([allowFor(build)], request()).allowed).toBe('none');
    expect(evaluatePolicies([denyAllBut(build, ROOT)], request({ principal: build })).denied).toBe(false);
    expect(evaluatePolicies([denyAllBut(build, ROOT)], request()).denied).toBe(true);
  });

  it('a user whose path holds a role\'s ARN is not taken for that role, nor another user for it', () => {
    // User paths may hold any printable ASCII, colons included (IAM API, CreateUser: Path).
    const mallory = `arn:aws:iam::${ACCOUNT}:user/arn:aws:iam::${ACCOUNT}:role/app`;
    const exempt = `arn:aws:iam::${ACCOUNT}:user/arn:aws:iam::${ACCOUNT}:role/team/app`;
    expect(evaluatePolicies([denyAllBut(exempt, ROOT)], request({ principal: mallory })).denied).toBe(true);
    expect(evaluatePolicies([denyAllBut(exempt, ROOT)], request({ principal: exempt })).denied).toBe(false);
    expect(evaluatePolicies([allowFor(exempt)], request({ principal: mallory })).allowed).toBe('none');
  });

  it('a service key the request has no value for leaves the global key of that name as it is', () => {
    const doc = policy([{ Effect: 'Allow', Principal: '*', Action: 'kms:*', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalAccount': ACCOUNT } } }]);
    expect(evaluatePolicies([doc], request({ context: { 'aws:PrincipalAccount': undefined } })).allowed).toBe('direct');
    expect(evaluatePolicies([doc], request({ context: { 'aws:PrincipalAccount': '444455556666' } })).allowed).toBe('none');
  });
});

describe('parsing', () => {
  it('refuses malformed documents, naming the element', () => {
    const bad: Array<[unknown, RegExp]> = [
      ['not json', /Policy: not valid JSON/],
      [{ Statement: [{ Effect: 'Maybe', Principal: '*', Action: 'kms:*' }] }, /Statement\[0\].Effect/],
      [{ Statement: [{ Effect: 'Allow', Principal: '*' }] }, /exactly one of Action and NotAction/],
      [{ Statement: [{ Effect: 'Allow', Action: 'kms:*' }] }, /Principal: missing/],
      [{ Statement: [{ Effect: 'Allow', Principal: { Federated: 'x' }, Action: 'kms:*' }] }, /Principal.Federated/],
      [{ Statement: [{ Effect: 'Allow', Principal: '*', Action: [] }] }, /Action/],
      [{ Statement: [{ Effect: 'Allow', Principal: '*', Action: 'kms:*', Bogus: 1 }] }, /Bogus: unknown element/],
      [{ Version: '2020-01-01', Statement: [] }, /Version/],
      // Operators are checked when the policy is parsed, not first at a call it would govern.
      [{ Statement: [{ Effect: 'Allow', Principal: '*', Action: 'kms:*', Condition: { StringEqualz: { k: 'v' } } }] }, /Condition.StringEqualz: unknown condition operator/],
      [{ Statement: [{ Effect: 'Allow', Principal: '*', Action: 'kms:*', Condition: { 'ForAnyValue:constructor': { k: 'v' } } }] }, /unknown condition operator/],
      ['{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Condition": {"__proto__": {"k": "v"}}}]}', /Condition.__proto__: unknown condition operator/],
      // An invalid principal is refused, as AWS does ("Policy contains a statement with one or more invalid
      // principals", KMS PutKeyPolicy; "Invalid principal in policy", S3 PutBucketPolicy), not kept to match nobody.
      [{ Statement: [{ Effect: 'Allow', Principal: { AWS: 'alice' }, Action: 'kms:*' }] }, /Principal.AWS: invalid principal "alice"/],
      [{ Statement: [{ Effect: 'Allow', Principal: { AWS: ['arn:aws:iam::111122223333:root', 'bob'] }, Action: 'kms:*' }] }, /Principal.AWS: invalid principal "bob"/],
      [{ Statement: [{ Effect: 'Allow', Principal: { AWS: '11112222333' }, Action: 'kms:*' }] }, /invalid principal "11112222333"/],
      [{ Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::*:root' }, Action: 'kms:*' }] }, /invalid principal/],
      [{ Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:s3:::bucket' }, Action: 'kms:*' }] }, /invalid principal/],
      [{ Statement: [{ Effect: 'Deny', NotPrincipal: { AWS: 'root' }, Action: 'kms:*' }] }, /NotPrincipal.AWS: invalid principal "root"/],
      [{ Statement: [{ Effect: 'Allow', Principal: { Service: 'S3' }, Action: 'kms:*' }] }, /Principal.Service: invalid principal "S3"/],
      [{ Statement: [{ Effect: 'Allow', Principal: { Service: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*' }] }, /Principal.Service: invalid principal/],
    ];
    for (const [doc, message] of bad) {
      const text = typeof doc === 'string' ? doc : JSON.stringify(doc);
      expect(() => parsePolicy(text, true)).toThrow(MalformedPolicyError);
      expect(() => parsePolicy(text, true)).toThrow(message);
    }
  });
});

describe('valid principals', () => {
  it('accepts "*", account ids, IAM and STS ARNs and service principals', () => {
    const principals = [
      '*', { AWS: '*' }, { AWS: ACCOUNT }, { AWS: [`arn:aws:iam::${ACCOUNT}:root`, `arn:aws:iam::${ACCOUNT}:user/team/alice`] },
      { AWS: `arn:aws:iam::${ACCOUNT}:role/app` }, { AWS: `arn:aws:sts::${ACCOUNT}:assumed-role/app/session` },
      { Service: ['s3.amazonaws.com', 'logs.us-east-1.amazonaws.com'] },
    ];
    for (const principal of principals) {
      expect(() => parsePolicy(JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: principal, Action: 'kms:*' }] }), true)).not.toThrow();
    }
  });
});

describe('Iam', () => {
  it('evaluates the identity policies attached to the caller, and refuses bad input', () => {
    const iam = new Iam();
    iam.putPrincipalPolicy({ PrincipalArn: ALICE, PolicyName: 'use-keys',
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['kms:Encrypt', 'kms:Decrypt'], Resource: KEY }] }) });
    expect(iam.evaluate(request()).allowed).toBe('direct');
    expect(iam.evaluate(request({ action: 'kms:ScheduleKeyDeletion' })).allowed).toBe('none');
    expect(iam.evaluate(request({ principal: `arn:aws:iam::${ACCOUNT}:user/bob` })).allowed).toBe('none');
    expect(iam.listPrincipalPolicies({ PrincipalArn: ALICE }).PolicyNames).toEqual(['use-keys']);
    iam.deletePrincipalPolicy({ PrincipalArn: ALICE, PolicyName: 'use-keys' });
    expect(iam.evaluate(request()).allowed).toBe('none');
    expect(() => iam.putPrincipalPolicy({ PrincipalArn: 'alice', PolicyName: 'p', PolicyDocument: '{}' })).toThrow(/PrincipalArn/);
    expect(() => iam.putPrincipalPolicy({ PrincipalArn: ALICE, PolicyName: 'p',
      PolicyDocument: JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: 'kms:*' }] }) })).toThrow(/not allowed in an identity policy/);
  });
});
