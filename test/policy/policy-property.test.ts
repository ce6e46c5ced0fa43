// Property test of the policy engine: seeded random policies and requests, each decided by
// src/policy (evaluatePolicies, decideAccess) and by reference-evaluator.ts, written apart from it
// from the AWS documentation. Any disagreement prints the seed's case so it can be replayed.
// (wildcard-property.test.ts does the same for the wildcard matcher alone.)
import { describe, expect, it } from 'vitest';
import { decideAccess, evaluatePolicies, parsePolicy, type PolicyRequest } from '../../src/policy/index.js';
import { SeededRandom } from '../helpers/seeded-random.js';
import { refEvaluate, refKmsDecision, type RefStatement } from './reference-evaluator.js';

const ACCOUNT = '111122223333';
const OTHER = '444455556666';
const KEY_A = `arn:aws:kms:us-east-1:${ACCOUNT}:key/aaaa-1111`;
const KEY_B = `arn:aws:kms:us-east-1:${ACCOUNT}:key/bbbb-2222`;
const TIME = new Date('2026-06-01T12:00:00Z');

const PRINCIPALS = [
  `arn:aws:iam::${ACCOUNT}:root`, `arn:aws:iam::${ACCOUNT}:user/alice`, `arn:aws:iam::${ACCOUNT}:user/bob`,
  `arn:aws:sts::${ACCOUNT}:assumed-role/app/session-1`, `arn:aws:iam::${OTHER}:root`, `arn:aws:iam::${OTHER}:user/eve`,
  `arn:aws:sts::${OTHER}:assumed-role/etl/nightly`, 's3.amazonaws.com', 'ec2.amazonaws.com',
];
const PRINCIPAL_ENTRIES = [
  `arn:aws:iam::${ACCOUNT}:root`, ACCOUNT, `arn:aws:iam::${ACCOUNT}:user/alice`, `arn:aws:iam::${ACCOUNT}:role/app`,
  `arn:aws:sts::${ACCOUNT}:assumed-role/app/session-1`, `arn:aws:iam::${OTHER}:root`, OTHER, `arn:aws:iam::${OTHER}:user/eve`,
  `arn:aws:iam::${OTHER}:role/etl`, '*',
];
const ACTIONS = ['kms:Encrypt', 'kms:Decrypt', 'kms:DescribeKey', 'kms:ScheduleKeyDeletion', 'kms:GenerateDataKey', 'kms:CreateGrant'];
const ACTION_PATTERNS = ['kms:*', '*', 'kms:Encrypt', 'KMS:decrypt', 'kms:Gen*', 'kms:*Key', 'kms:?ncrypt', 'kms:Describe*', 'kms:ScheduleKeyDeletion'];
const RESOURCE_PATTERNS = ['*', KEY_A, KEY_B, `arn:aws:kms:*:${ACCOUNT}:key/*`, `arn:aws:kms:us-east-1:${ACCOUNT}:key/a*`, 'arn:aws:kms:*:*:key/????-2222'];
const CROSS_ACCOUNT_ACTIONS = new Set(['kms:Encrypt', 'kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKey', 'kms:CreateGrant']);

/** Condition keys by the kind of value they hold; each kind has policy values and request values. */
const KINDS = {
  string: {
    keys: ['kms:EncryptionContext:tenant', 'kms:ViaService', 'aws:PrincipalAccount', 'KMS:EncryptionContext:Tenant'],
    policy: ['acme', 'ACME', 'ac*', 'a?me', '*', '', 's3.amazonaws.com', ACCOUNT, '*.amazonaws.com', 'ex?mple*'],
    request: ['acme', 'Acme', 'acne', 'example', 's3.amazonaws.com', 'ec2.amazonaws.com', ACCOUNT, OTHER, ''],
    operators: ['StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike'],
  },
  multi: {
    keys: ['kms:EncryptionContextKeys', 'aws:TagKeys'],
    policy: ['tenant', 'project', 'Tenant', 't*', '*'],
    request: ['tenant', 'project', 'other', 'Tenant'],
    operators: ['StringEquals', 'StringNotEquals', 'StringLike', 'StringNotLike', 'StringEqualsIgnoreCase'],
  },
  arn: {
    keys: ['aws:PrincipalArn', 'kms:EncryptionContext:aws:s3:arn'],
    policy: [`arn:aws:iam::${ACCOUNT}:*`, 'arn:aws:iam::*', `arn:aws:iam::${ACCOUNT}*`, 'arn:*:user/alice', 'arn:aws:iam::*:user/*',
      `arn:aws:iam::${ACCOUNT}:role/app`, 'arn:aws:s3:::bucket/*', 'arn:aws:s3:::*/a:b*', '*', 'arn:aws:iam::????????????:root',
      'arn:aws:s3:*:b:c', 'arn:*:*:*:*:*'],
    request: [`arn:aws:iam::${ACCOUNT}:user/alice`, `arn:aws:iam::${OTHER}:user/alice`, `arn:aws:iam::${ACCOUNT}:role/app`,
      'arn:aws:s3:::bucket/a:b:c', 'not-an-arn', `arn:aws:iam::${OTHER}:root`],
    operators: ['ArnEquals', 'ArnLike', 'ArnNotEquals', 'ArnNotLike'],
  },
  number: {
    keys: ['kms:ScheduleKeyDeletionPendingWindowInDays', 'aws:MultiFactorAuthAge'],
    policy: ['7', '30', '10.5', '0', '-1'],
    request: ['7', '30', '10', '10.5', '0', 'abc'],
    operators: ['NumericEquals', 'NumericNotEquals', 'NumericLessThan', 'NumericLessThanEquals', 'NumericGreaterThan', 'NumericGreaterThanEquals'],
  },
  date: {
    keys: ['aws:TokenIssueTime', 'kms:ValidTo'],
    policy: ['2026-06-01T12:00:00Z', '2027-01-01T00:00:00Z', '1780315200', '2020-01-01'],
    request: ['2026-06-01T12:00:00Z', '1780315200', '2025-12-31T23:59:59Z', '1900000000', 'yesterday'],
    operators: ['DateEquals', 'DateNotEquals', 'DateLessThan', 'DateLessThanEquals', 'DateGreaterThan', 'DateGreaterThanEquals'],
  },
  bool: {
    keys: ['aws:SecureTransport', 'kms:GrantIsForAWSResource'],
    policy: ['true', 'false', 'TRUE'],
    request: ['true', 'false', 'True'],
    operators: ['Bool'],
  },
  ip: {
    keys: ['aws:SourceIp'],
    policy: ['203.0.113.0/24', '203.0.113.7', '0.0.0.0/0', '10.0.0.0/8', '198.51.100.0/31', '203.0.113.0/33'],
    request: ['203.0.113.7', '203.0.114.1', '10.1.2.3', '198.51.100.1', '198.51.100.2', '999.1.1.1'],
    operators: ['IpAddress', 'NotIpAddress'],
  },
} as const;
type Kind = keyof typeof KINDS;

const pick = <T>(rng: SeededRandom, list: readonly T[]): T => list[rng.int(list.length)]!;
const some = <T>(rng: SeededRandom, list: readonly T[], max = 3): T[] => Array.from({ length: 1 + rng.int(max) }, () => pick(rng, list));

function randomCondition(rng: SeededRandom): Record<string, Record<string, string[]>> {
  const block: Record<string, Record<string, string[]>> = {};
  for (let i = rng.int(3); i > 0; i--) {
    const kind = pick(rng, Object.keys(KINDS) as Kind[]);
    const { keys, policy, operators } = KINDS[kind];
    let operator: string = pick(rng, operators);
    if (rng.int(8) === 0) {
      operator = 'Null';
    } else {
      if (rng.int(3) === 0) operator += 'IfExists';
      const qualifier = rng.int(4);
      if (qualifier === 1) operator = `ForAnyValue:${operator}`;
      if (qualifier === 2) operator = `ForAllValues:${operator}`;
    }
    const values = operator === 'Null' ? [pick(rng, ['true', 'false'])] : some(rng, policy);
    (block[operator] ??= {})[pick(rng, keys)] = values;
  }
  return block;
}

function randomPrincipalSpec(rng: SeededRandom): RefStatement['Principal'] {
  if (rng.int(6) === 0) return '*';
  const spec: { AWS?: string[]; Service?: string[] } = {};
  if (rng.int(4) !== 0) spec.AWS = some(rng, PRINCIPAL_ENTRIES);
  if (rng.int(4) === 0 || spec.AWS === undefined) spec.Service = some(rng, ['s3.amazonaws.com', 'ec2.amazonaws.com'], 2);
  return spec;
}

function randomStatement(rng: SeededRandom, resourcePolicy: boolean): RefStatement {
  const s: RefStatement = { Effect: rng.int(4) === 0 ? 'Deny' : 'Allow' };
  if (resourcePolicy) {
    if (rng.int(6) === 0) s.NotPrincipal = randomPrincipalSpec(rng);
    else s.Principal = randomPrincipalSpec(rng);
  }
  if (rng.int(5) === 0) s.NotAction = some(rng, ACTION_PATTERNS);
  else s.Action = some(rng, ACTION_PATTERNS);
  const resource = rng.int(6);
  if (resource === 0) s.NotResource = some(rng, RESOURCE_PATTERNS);
  else if (resource < 5) s.Resource = some(rng, RESOURCE_PATTERNS);
  const condition = randomCondition(rng);
  if (Object.keys(condition).length > 0) s.Condition = condition;
  return s;
}

/** The request context: some service keys present (single or multivalued), the global keys the engine adds itself. */
function randomRequest(rng: SeededRandom) {
  const principal = pick(rng, PRINCIPALS);
  const context: Record<string, string | string[] | undefined> = {};
  let sourceIp: string | undefined;
  for (const kind of Object.keys(KINDS) as Kind[]) {
    for (const key of KINDS[kind].keys) {
      if (key.startsWith('aws:Principal') || key.toLowerCase() !== key.toLowerCase().trim() || rng.int(2) === 0) continue;
      if (key === 'aws:SourceIp') sourceIp = pick(rng, KINDS.ip.request);
      else if (kind === 'multi') context[key] = rng.int(5) === 0 ? [] : some(rng, KINDS.multi.request);
      else context[key] = pick(rng, KINDS[kind].request);
    }
  }
  const request: PolicyRequest = { principal, action: pick(rng, ACTIONS), resource: pick(rng, [KEY_A, KEY_B]), context, time: TIME, sourceIp };
  // What the reference sees: the same keys, plus the global ones AWS documents, computed here.
  const account = /^arn:aws:(?:iam|sts)::(\d{12}):/.exec(principal)?.[1];
  const session = /^arn:aws:sts::(\d{12}):assumed-role\/([^/]+)\//.exec(principal);
  const refContext = {
    ...context, 'aws:SourceIp': sourceIp, 'aws:PrincipalAccount': account,
    'aws:PrincipalArn': account === undefined ? undefined : session ? `arn:aws:iam::${session[1]}:role/${session[2]}` : principal,
    'aws:CurrentTime': TIME.toISOString(), 'aws:EpochTime': String(TIME.getTime() / 1000),
  };
  return { request, ref: { principal, action: request.action, resource: request.resource, context: refContext } };
}

describe('the policy engine agrees with a reference evaluator written from the AWS docs', () => {
  it('on seeded random key policies, identity policies and requests, and on the KMS access decision', () => {
    const operatorsSeen = new Set<string>();
    let cases = 0;
    let allowedCount = 0;
    for (let seed = 1; seed <= 2500; seed++) {
      const rng = new SeededRandom(seed);
      const keyStatements = Array.from({ length: 1 + rng.int(3) }, () => randomStatement(rng, true));
      const identityStatements = Array.from({ length: rng.int(3) }, () => randomStatement(rng, false));
      for (const s of [...keyStatements, ...identityStatements]) for (const op of Object.keys(s.Condition ?? {})) operatorsSeen.add(op);
      const keyPolicy = parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: keyStatements }), true);
      const identityPolicy = identityStatements.length > 0 ? parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: identityStatements }), false) : undefined;
      for (let r = 0; r < 4; r++) {
        const { request, ref } = randomRequest(rng);
        const where = () => JSON.stringify({ seed, request: ref, keyStatements, identityStatements });
        const keyVerdict = evaluatePolicies([keyPolicy], request);
        const refKey = refEvaluate(keyStatements, ref, false);
        expect(keyVerdict, where()).toEqual(refKey);
        const identityVerdict = identityPolicy ? evaluatePolicies([identityPolicy], request) : { denied: false, allowed: 'none' as const };
        const refIdentity = identityPolicy ? refEvaluate(identityStatements, ref, true) : { denied: false, allowed: 'none' as const };
        expect(identityVerdict, where()).toEqual(refIdentity);
        const grant = rng.int(6) === 0;
        const crossAccount = CROSS_ACCOUNT_ACTIONS.has(request.action);
        const decision = decideAccess({ principal: request.principal, resourceAccount: ACCOUNT, resourcePolicy: keyVerdict, identity: identityVerdict,
          grant, resourcePolicyRequired: true, crossAccount });
        const expected = refKmsDecision(request.principal, ACCOUNT, crossAccount, refKey, refIdentity, grant);
        expect(decision.allowed, where()).toBe(expected);
        cases += 1;
        if (expected) allowedCount += 1;
      }
    }
    // The generator reaches every operator family, qualifier and suffix, and both outcomes.
    for (const family of ['StringEquals', 'StringNotLike', 'StringEqualsIgnoreCase', 'ArnLike', 'ArnNotEquals', 'NumericLessThan',
      'NumericNotEquals', 'DateGreaterThanEquals', 'DateNotEquals', 'Bool', 'IpAddress', 'NotIpAddress', 'Null']) {
      expect([...operatorsSeen].some((op) => op.replace(/^For(Any|All)Values?:/, '').replace(/IfExists$/, '') === family), family).toBe(true);
    }
    for (const form of ['ForAnyValue:', 'ForAllValues:', 'IfExists']) expect([...operatorsSeen].some((op) => op.includes(form)), form).toBe(true);
    expect(cases).toBe(10_000);
    expect(allowedCount).toBeGreaterThan(500);
    expect(cases - allowedCount).toBeGreaterThan(500);
  });

  it('on condition-free key policies asked every question twice (the second time answered from the verdicts the document remembers)', () => {
    let allowedCount = 0;
    for (let seed = 1; seed <= 100; seed++) {
      const rng = new SeededRandom(100_000 + seed);
      const statements = Array.from({ length: 1 + rng.int(3) }, () => {
        const { Condition: _, ...statement } = randomStatement(rng, true);
        return statement;
      });
      const keyPolicy = parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: statements }), true);
      for (let pass = 0; pass < 2; pass++) {
        for (const principal of PRINCIPALS) {
          for (const action of ACTIONS) {
            for (const resource of [KEY_A, KEY_B]) {
              const verdict = evaluatePolicies([keyPolicy], { principal, action, resource, context: {}, time: TIME });
              const expected = refEvaluate(statements, { principal, action, resource, context: {} }, false);
              expect(verdict, JSON.stringify({ seed, pass, principal, action, resource, statements })).toEqual(expected);
              if (expected.allowed !== 'none' && !expected.denied) allowedCount += 1;
            }
          }
        }
      }
    }
    expect(allowedCount).toBeGreaterThan(300);
  });

  it('answers questions beyond the verdicts a document remembers, and those asked again after it forgot them, the same way', () => {
    const keyPolicy = parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: [
      { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/alice` }, Action: 'kms:*', Resource: `arn:aws:kms:us-east-1:${ACCOUNT}:key/1*` },
    ] }), true);
    const principal = `arn:aws:iam::${ACCOUNT}:user/alice`;
    const ask = (i: number) => evaluatePolicies([keyPolicy], { principal, action: 'kms:Decrypt', resource: `arn:aws:kms:us-east-1:${ACCOUNT}:key/${i}`, context: {} });
    const expected = (i: number) => ({ denied: false, allowed: String(i).startsWith('1') ? 'direct' : 'none' });
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 3000; i++) expect(ask(i), String(i)).toEqual(expected(i));
    }
  });

  it('works out again, each time, the verdict of a document whose statements read the request context (conditions, policy variables)', () => {
    const principal = `arn:aws:iam::${ACCOUNT}:user/alice`;
    const conditional = parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: [
      { Effect: 'Allow', Principal: { AWS: principal }, Action: 'kms:Decrypt', Resource: '*', Condition: { StringEquals: { 'kms:EncryptionContext:tenant': 'acme' } } },
    ] }), true);
    const variable = parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: [
      { Effect: 'Allow', Principal: { AWS: principal }, Action: 'kms:Decrypt', Resource: `arn:aws:kms:us-east-1:${ACCOUNT}:key/\${kms:EncryptionContext:tenant}` },
    ] }), true);
    const ask = (document: typeof conditional, tenant: string) =>
      evaluatePolicies([document], { principal, action: 'kms:Decrypt', resource: `arn:aws:kms:us-east-1:${ACCOUNT}:key/acme`, context: { 'kms:EncryptionContext:tenant': tenant } }).allowed;
    for (const document of [conditional, variable]) {
      expect([ask(document, 'acme'), ask(document, 'other'), ask(document, 'acme')]).toEqual(['direct', 'none', 'direct']);
    }
  });
});
