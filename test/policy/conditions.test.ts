import { describe, expect, it } from 'vitest';
import { conditionsHold, isConditionOperator } from '../../src/policy/conditions.js';
import { MalformedPolicyError } from '../../src/policy/index.js';
import { matchesWildcard } from '../../src/policy/wildcard.js';

const holds = (operator: string, key: string, values: string[], context: Record<string, string | string[] | undefined>) =>
  conditionsHold({ [operator]: { [key]: values } }, context);

describe('wildcards', () => {
  it('* matches any run, ? one character, everything else literally', () => {
    expect(matchesWildcard('kms:*', 'kms:Decrypt')).toBe(true);
    expect(matchesWildcard('kms:ReEncrypt*', 'kms:ReEncryptFrom')).toBe(true);
    expect(matchesWildcard('kms:ReEncrypt*', 'kms:Decrypt')).toBe(false);
    expect(matchesWildcard('a?c', 'abc')).toBe(true);
    expect(matchesWildcard('a?c', 'ac')).toBe(false);
    expect(matchesWildcard('a.c', 'abc')).toBe(false);
    expect(matchesWildcard('kms:decrypt', 'kms:Decrypt', true)).toBe(true);
    expect(matchesWildcard('kms:decrypt', 'kms:Decrypt')).toBe(false);
  });
});

describe('condition operators', () => {
  it('String operators compare exactly, ignoring case, or with wildcards; any policy value may match', () => {
    expect(holds('StringEquals', 'k', ['a', 'b'], { k: 'b' })).toBe(true);
    expect(holds('StringEquals', 'k', ['a'], { k: 'A' })).toBe(false);
    expect(holds('StringEqualsIgnoreCase', 'k', ['a'], { k: 'A' })).toBe(true);
    expect(holds('StringNotEquals', 'k', ['a', 'b'], { k: 'c' })).toBe(true);
    expect(holds('StringNotEquals', 'k', ['a', 'b'], { k: 'a' })).toBe(false);
    expect(holds('StringLike', 'k', ['arn:*:volume/*'], { k: 'arn:aws:ec2:us-east-1:1:volume/vol-1' })).toBe(true);
    expect(holds('StringNotLike', 'k', ['x*'], { k: 'xyz' })).toBe(false);
  });

  it('Arn, Numeric, Date and Bool operators', () => {
    expect(holds('ArnLike', 'aws:PrincipalArn', ['arn:aws:iam::111122223333:role/*'], { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/app' })).toBe(true);
    expect(holds('ArnEquals', 'k', ['arn:aws:iam::1:user/a'], { k: 'arn:aws:iam::1:user/b' })).toBe(false);
    expect(holds('NumericLessThanEquals', 'kms:GrantCount', ['5'], { 'kms:GrantCount': '5' })).toBe(true);
    expect(holds('NumericLessThan', 'n', ['5'], { n: '5' })).toBe(false);
    expect(holds('NumericGreaterThan', 'n', ['5'], { n: 'abc' })).toBe(false);
    expect(holds('NumericEquals', 'n', ['0'], { n: '' })).toBe(false);
    expect(holds('NumericEquals', 'n', [' '], { n: '0' })).toBe(false);
    expect(holds('DateLessThan', 'aws:CurrentTime', ['2030-01-01T00:00:00Z'], { 'aws:CurrentTime': '2026-11-23T00:00:00Z' })).toBe(true);
    // Epoch seconds as well as ISO 8601, on either side (2026-11-23T00:00:00Z is 1795392000).
    expect(holds('DateGreaterThan', 'aws:EpochTime', ['1795391999'], { 'aws:EpochTime': '1795392000' })).toBe(true);
    expect(holds('DateEquals', 'aws:CurrentTime', ['1795392000'], { 'aws:CurrentTime': '2026-11-23T00:00:00Z' })).toBe(true);
    expect(holds('DateLessThan', 'aws:CurrentTime', ['not a date'], { 'aws:CurrentTime': '2026-11-23T00:00:00Z' })).toBe(false);
    expect(holds('Bool', 'aws:SecureTransport', ['false'], { 'aws:SecureTransport': 'false' })).toBe(true);
    expect(holds('Bool', 'aws:SecureTransport', ['false'], { 'aws:SecureTransport': 'true' })).toBe(false);
  });

  it('condition keys match case-insensitively', () => {
    expect(holds('StringEquals', 'KMS:ViaService', ['s3.amazonaws.com'], { 'kms:ViaService': 's3.amazonaws.com' })).toBe(true);
  });

  it('a missing key fails positive operators, passes negated ones and …IfExists', () => {
    expect(holds('StringEquals', 'k', ['a'], {})).toBe(false);
    expect(holds('StringNotEquals', 'k', ['a'], {})).toBe(true);
    expect(holds('StringEqualsIfExists', 'k', ['a'], {})).toBe(true);
    expect(holds('StringEqualsIfExists', 'k', ['a'], { k: 'b' })).toBe(false);
    expect(holds('NumericLessThanEqualsIfExists', 'k', ['3'], { k: '2' })).toBe(true);
  });

  it('Null tests presence', () => {
    expect(holds('Null', 'k', ['true'], {})).toBe(true);
    expect(holds('Null', 'k', ['true'], { k: 'x' })).toBe(false);
    expect(holds('Null', 'k', ['false'], { k: 'x' })).toBe(true);
  });

  it('ForAnyValue and ForAllValues over multi-valued keys', () => {
    const context = { 'kms:EncryptionContextKeys': ['Department', 'Project'] };
    expect(holds('ForAnyValue:StringEquals', 'kms:EncryptionContextKeys', ['Project'], context)).toBe(true);
    expect(holds('ForAllValues:StringEquals', 'kms:EncryptionContextKeys', ['Project'], context)).toBe(false);
    expect(holds('ForAllValues:StringEquals', 'kms:EncryptionContextKeys', ['Project', 'Department', 'X'], context)).toBe(true);
    expect(holds('ForAllValues:StringEquals', 'kms:EncryptionContextKeys', ['Project'], {})).toBe(true);
    expect(holds('ForAnyValue:StringEquals', 'kms:EncryptionContextKeys', ['Project'], {})).toBe(false);
  });

  it('every operator and key in a block must hold', () => {
    const block = { StringEquals: { a: ['1'] }, StringLike: { b: ['x*'] } };
    expect(conditionsHold(block, { a: '1', b: 'xy' })).toBe(true);
    expect(conditionsHold(block, { a: '1', b: 'y' })).toBe(false);
  });

  it('an unknown operator is refused, naming it', () => {
    expect(() => holds('StringSortOf', 'k', ['a'], { k: 'a' })).toThrow(MalformedPolicyError);
    expect(() => holds('StringSortOf', 'k', ['a'], { k: 'a' })).toThrow(/Condition.StringSortOf: unknown condition operator/);
  });

  it('the operators a policy may use: each operator with or without a set qualifier and …IfExists, Null without IfExists (IAM User Guide, "…IfExists condition operators")', () => {
    for (const operator of ['StringEquals', 'ForAnyValue:StringLike', 'ForAllValues:NumericLessThanIfExists', 'DateGreaterThanEqualsIfExists', 'Null', 'NotIpAddress']) {
      expect(isConditionOperator(operator), operator).toBe(true);
    }
    for (const operator of ['StringEqualz', 'IfExists', 'ForAnyValue:', 'NullIfExists', 'StringEquals:IfExists', 'constructor', 'toString', '']) {
      expect(isConditionOperator(operator), operator).toBe(false);
    }
  });
});

describe('absent keys, operator by operator (IAM User Guide, "Condition operators" and "Set operators for multivalued context keys")', () => {
  const families = ['StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike',
    'ArnEquals', 'ArnLike', 'ArnNotEquals', 'ArnNotLike', 'NumericEquals', 'NumericNotEquals', 'NumericLessThan', 'NumericLessThanEquals',
    'NumericGreaterThan', 'NumericGreaterThanEquals', 'DateEquals', 'DateNotEquals', 'DateLessThan', 'DateLessThanEquals', 'DateGreaterThan',
    'DateGreaterThanEquals', 'Bool', 'BinaryEquals', 'IpAddress', 'NotIpAddress'];
  const negated = new Set(['StringNotEquals', 'StringNotEqualsIgnoreCase', 'StringNotLike', 'ArnNotEquals', 'ArnNotLike', 'NumericNotEquals',
    'DateNotEquals', 'NotIpAddress']);

  it('plain: false, negated: true; …IfExists: true; ForAnyValue: false and ForAllValues: true with or without IfExists', () => {
    for (const family of families) {
      for (const context of [{}, { k: [] as string[] }, { k: undefined }]) {
        expect(holds(family, 'k', ['x'], context), family).toBe(negated.has(family));
        expect(holds(`${family}IfExists`, 'k', ['x'], context), `${family}IfExists`).toBe(true);
        expect(holds(`ForAnyValue:${family}`, 'k', ['x'], context), `ForAnyValue:${family}`).toBe(false);
        expect(holds(`ForAnyValue:${family}IfExists`, 'k', ['x'], context), `ForAnyValue:${family}IfExists`).toBe(false);
        expect(holds(`ForAllValues:${family}`, 'k', ['x'], context), `ForAllValues:${family}`).toBe(true);
        expect(holds(`ForAllValues:${family}IfExists`, 'k', ['x'], context), `ForAllValues:${family}IfExists`).toBe(true);
      }
    }
  });

  it('an empty list is absent for Null too', () => {
    expect(holds('Null', 'k', ['true'], { k: [] })).toBe(true);
    expect(holds('Null', 'k', ['false'], { k: [] })).toBe(false);
  });

  it('negated set operators over present values: ForAnyValue needs one value outside, ForAllValues every value outside', () => {
    const context = { keys: ['a', 'b'] };
    expect(holds('ForAnyValue:StringNotEquals', 'keys', ['a'], context)).toBe(true);
    expect(holds('ForAnyValue:StringNotEquals', 'keys', ['a', 'b'], context)).toBe(false);
    expect(holds('ForAllValues:StringNotEquals', 'keys', ['c'], context)).toBe(true);
    expect(holds('ForAllValues:StringNotEquals', 'keys', ['a'], context)).toBe(false);
    // A plain negated operator on a multivalued key holds only when no value matches (the docs say to use a set operator here).
    expect(holds('StringNotEquals', 'keys', ['a'], context)).toBe(false);
    expect(holds('StringNotEquals', 'keys', ['c'], context)).toBe(true);
  });
});

describe('Arn operators', () => {
  it('compare the six parts one by one; wildcards stay inside their part; case matters', () => {
    const arn = 'arn:aws:iam::111122223333:user/alice';
    expect(holds('ArnLike', 'a', ['arn:aws:iam::*:user/*'], { a: arn })).toBe(true);
    expect(holds('ArnLike', 'a', ['arn:aws:iam::*'], { a: arn })).toBe(false);
    expect(holds('ArnLike', 'a', ['arn:*:user/alice'], { a: arn })).toBe(false);
    expect(holds('ArnLike', 'a', ['arn:aws:iam::111122223333*'], { a: arn })).toBe(false);
    expect(holds('ArnLike', 'a', ['arn:aws:IAM::111122223333:user/alice'], { a: arn })).toBe(false);
    expect(holds('ArnEquals', 'a', ['arn:aws:iam::????????????:user/alice'], { a: arn })).toBe(true);
    // The resource part keeps its own colons, and a wildcard there may span them.
    expect(holds('ArnLike', 'a', ['arn:aws:s3:::bucket/*'], { a: 'arn:aws:s3:::bucket/x:y' })).toBe(true);
    expect(holds('ArnLike', 'a', ['arn:aws:s3:*:b:c'], { a: 'arn:aws:s3:::bucket/a:b:c' })).toBe(false);
    expect(holds('ArnLike', 'a', ['*'], { a: arn })).toBe(false);
    expect(holds('ArnNotLike', 'a', ['arn:aws:iam::*'], { a: arn })).toBe(true);
    expect(holds('ArnLike', 'a', ['arn:*:*:*:*:*'], { a: 'urn:aws:iam::1:x' })).toBe(false);
  });
});

describe('IpAddress / NotIpAddress', () => {
  it('IPv4 and IPv6 addresses and CIDR blocks; malformed ones match nothing', () => {
    const ip = (block: string, address: string) => holds('IpAddress', 'aws:SourceIp', [block], { 'aws:SourceIp': address });
    expect(ip('203.0.113.0/24', '203.0.113.255')).toBe(true);
    expect(ip('203.0.113.0/24', '203.0.114.0')).toBe(false);
    expect(ip('203.0.113.7', '203.0.113.7')).toBe(true);
    expect(ip('0.0.0.0/0', '198.51.100.9')).toBe(true);
    expect(ip('198.51.100.0/31', '198.51.100.1')).toBe(true);
    expect(ip('198.51.100.0/31', '198.51.100.2')).toBe(false);
    expect(ip('2001:db8::/32', '2001:db8:ffff::1')).toBe(true);
    expect(ip('2001:db8::/32', '2001:db9::1')).toBe(false);
    expect(ip('::ffff:203.0.113.0/120', '::ffff:203.0.113.9')).toBe(true);
    expect(ip('2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1')).toBe(true);
    expect(ip('203.0.113.0/24', '2001:db8::1')).toBe(false);
    for (const malformed of ['203.0.113.0/33', '203.0.113/24', '256.0.0.0/8', '203.0.113.0/24/1', '2001:db8:::1', '1:2:3:4:5:6:7:8:9', '01.2.3.4']) {
      expect(ip(malformed, '203.0.113.1'), malformed).toBe(false);
      expect(holds('NotIpAddress', 'aws:SourceIp', [malformed], { 'aws:SourceIp': '203.0.113.1' }), malformed).toBe(true);
    }
    expect(ip('203.0.113.0/24', 'not an address')).toBe(false);
  });
});

describe('wildcards chosen by an attacker', () => {
  it('patterns that make a backtracking matcher explode are decided (and correctly) on 64 KiB values', () => {
    const value = 'a'.repeat(65_536);
    expect(matchesWildcard(`${'*a'.repeat(64)}*b`, value)).toBe(false);
    expect(matchesWildcard(`${'*a'.repeat(64)}*`, value)).toBe(true);
    expect(matchesWildcard(`${'a*'.repeat(200)}b`, value)).toBe(false);
    expect(matchesWildcard(`*${'?'.repeat(1000)}*b`, `${value}b`)).toBe(true);
    expect(matchesWildcard('*/*/*/*/*/*/*/*/*/*.tmp', '/'.repeat(65_536))).toBe(false);
  });
});

describe('each operator at its boundaries (IAM User Guide, "IAM JSON policy elements: Condition operators")', () => {
  // The request's value is compared to the policy's: NumericLessThan holds when the request's is less.
  const T = 1795392000; // 2026-11-23T00:00:00Z in epoch seconds
  const cases: Array<[operator: string, policy: string, request: string, expected: boolean]> = [
    ['StringEqualsIgnoreCase', 'Blue', 'bLUE', true], ['StringEqualsIgnoreCase', 'blue', 'blues', false],
    ['StringNotEqualsIgnoreCase', 'Blue', 'bLUE', false], ['StringNotEqualsIgnoreCase', 'blue', 'green', true],
    ['StringLike', 'x*', 'yx', false], ['StringNotLike', 'x*', 'yx', true],
    ['ArnEquals', 'arn:aws:iam::111122223333:user/a', 'arn:aws:iam::111122223333:user/a', true],
    ['ArnNotEquals', 'arn:aws:iam::111122223333:user/a', 'arn:aws:iam::111122223333:user/a', false],
    ['ArnNotEquals', 'arn:aws:iam::111122223333:user/a', 'arn:aws:iam::111122223333:user/b', true],
    ['ArnNotLike', 'arn:aws:iam::*:user/a', 'arn:aws:iam::111122223333:user/a', false],
    ['NumericEquals', '5', '5', true], ['NumericEquals', '5', '5.0', true], ['NumericEquals', '5', '6', false],
    ['NumericNotEquals', '5', '5', false], ['NumericNotEquals', '5', '6', true],
    ['NumericLessThan', '5', '4', true], ['NumericLessThan', '5', '5', false], ['NumericLessThan', '5', '6', false],
    ['NumericLessThanEquals', '5', '4', true], ['NumericLessThanEquals', '5', '6', false], ['NumericLessThanEquals', '-1.5', '-2', true],
    ['NumericGreaterThan', '5', '6', true], ['NumericGreaterThan', '5', '5', false], ['NumericGreaterThan', '5', '4', false],
    ['NumericGreaterThanEquals', '5', '6', true], ['NumericGreaterThanEquals', '5', '5', true], ['NumericGreaterThanEquals', '5', '4', false],
    ['DateEquals', '2026-11-23', '2026-11-23T00:00:00Z', true], ['DateEquals', String(T), String(T + 1), false],
    ['DateNotEquals', String(T), '2026-11-23T00:00:00Z', false], ['DateNotEquals', String(T), '2026-11-23T00:00:01Z', true],
    ['DateLessThan', String(T), String(T - 1), true], ['DateLessThan', String(T), String(T), false],
    ['DateLessThanEquals', String(T), String(T), true], ['DateLessThanEquals', String(T), String(T - 1), true], ['DateLessThanEquals', String(T), String(T + 1), false],
    ['DateGreaterThan', String(T), String(T + 1), true], ['DateGreaterThan', String(T), String(T), false], ['DateGreaterThan', String(T), String(T - 1), false],
    ['DateGreaterThanEquals', String(T), String(T), true], ['DateGreaterThanEquals', String(T), String(T + 1), true], ['DateGreaterThanEquals', String(T), String(T - 1), false],
    ['DateGreaterThanEquals', '2026-11-23T00:00:00Z', '2026-11-22T23:59:59.999Z', false],
    ['Bool', 'true', 'TRUE', true], ['Bool', 'true', 'false', false],
    // The policy's base64 is compared as written: base64 is case-sensitive.
    ['BinaryEquals', 'QmluYXJ5', 'QmluYXJ5', true], ['BinaryEquals', 'QmluYXJ5', 'qmluyxj5', false], ['BinaryEquals', 'QmluYXJ5', 'QmluYXJ6', false],
  ];

  it('holds exactly where the operator says', () => {
    for (const [operator, policy, request, expected] of cases) {
      expect(holds(operator, 'k', [policy], { k: request }), `${operator} ${policy} ${request}`).toBe(expected);
    }
  });

  it('a policy variable is expanded in string and ARN operators, and only in policies that expand variables', () => {
    const user = 'arn:aws:iam::111122223333:user/alice';
    const context = { 'aws:username': 'alice', name: 'alice', arn: user };
    const cases: Array<[operator: string, key: string, policy: string, expected: boolean]> = [
      ['StringEquals', 'name', '${aws:username}', true], ['StringNotEquals', 'name', '${aws:username}', false],
      ['StringEqualsIgnoreCase', 'name', '${aws:username}', true], ['StringNotEqualsIgnoreCase', 'name', '${aws:username}', false],
      ['StringLike', 'name', '${aws:username}*', true], ['StringNotLike', 'name', '${aws:username}*', false],
      ['ArnEquals', 'arn', 'arn:aws:iam::111122223333:user/${aws:username}', true], ['ArnLike', 'arn', 'arn:aws:iam::*:user/${aws:username}', true],
      ['ArnNotEquals', 'arn', 'arn:aws:iam::111122223333:user/${aws:username}', false], ['ArnNotLike', 'arn', 'arn:aws:iam::*:user/${aws:username}', false],
    ];
    for (const [operator, key, policy, expected] of cases) {
      expect(conditionsHold({ [operator]: { [key]: [policy] } }, context, true), operator).toBe(expected);
      // Unexpanded (a policy of Version 2008-10-17, or the default), the variable is literal text.
      expect(conditionsHold({ [operator]: { [key]: [policy] } }, context, false), `${operator} literal`).toBe(!expected);
      expect(conditionsHold({ [operator]: { [key]: [policy] } }, context), `${operator} by default`).toBe(!expected);
    }
    expect(conditionsHold({ StringEquals: { name: ['${aws:username}'] } }, { 'aws:username': 'alice', name: '${aws:username}' })).toBe(true);
    // Numeric, date and Bool operators take no variables (IAM User Guide, "Where you can use policy variables").
    for (const operator of ['NumericEquals', 'DateEquals', 'Bool']) {
      expect(conditionsHold({ [operator]: { k: ['${n}'] } }, { k: '5', n: '5' }, true), operator).toBe(false);
    }
  });

  it('a value whose variable the request cannot fill matches nothing, not even the variable\'s own text', () => {
    // A role session has no aws:username: a policy value naming it is no value at all (policy-variables.ts).
    const context = { name: '${aws:username}', empty: '', other: 'bob' };
    expect(conditionsHold({ StringEquals: { name: ['${aws:username}'] } }, context, true)).toBe(false);
    expect(conditionsHold({ StringLike: { name: ['${aws:username}*'] } }, context, true)).toBe(false);
    expect(conditionsHold({ StringEquals: { empty: ['${aws:username}'] } }, context, true)).toBe(false);
    expect(conditionsHold({ ArnLike: { name: ['${aws:username}'] } }, context, true)).toBe(false);
    expect(conditionsHold({ StringNotEquals: { name: ['${aws:username}'] } }, context, true)).toBe(true);
    // The policy's other values still count.
    expect(conditionsHold({ StringEquals: { other: ['${aws:username}', 'bob'] } }, context, true)).toBe(true);
  });

  it('a plain operator on a multivalued key holds when any value matches; Null holds when any of its values does', () => {
    expect(holds('StringEquals', 'keys', ['a'], { keys: ['b', 'a'] })).toBe(true);
    expect(holds('StringEquals', 'keys', ['c'], { keys: ['b', 'a'] })).toBe(false);
    expect(holds('NumericLessThan', 'keys', ['5'], { keys: ['9', '4'] })).toBe(true);
    expect(holds('Null', 'k', ['true', 'false'], {})).toBe(true);
    expect(holds('Null', 'k', ['true', 'false'], { k: 'x' })).toBe(true);
    expect(holds('Null', 'k', ['false'], {})).toBe(false);
  });

  it('a context key is found whatever its case, and a key named twice counts where it has a value', () => {
    expect(holds('StringEquals', 'aws:username', ['alice'], { 'AWS:UserName': undefined, 'aws:username': 'alice' })).toBe(true);
    expect(holds('StringEqualsIfExists', 'k', ['a'], { K: undefined, k: 'b' })).toBe(false);
  });
});
