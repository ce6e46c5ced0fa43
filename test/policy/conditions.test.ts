import { describe, expect, it } from 'vitest';
import { conditionsHold } from '../../src/policy/conditions.js';
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
    expect(() => holds('StringSortOf', 'k', ['a'], { k: 'a' })).toThrow(/Condition.StringSortOf/);
  });
});
