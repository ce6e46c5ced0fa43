// Known answers of the wildcard matcher (src/policy/wildcard.ts) where the random property test
// (wildcard-property.test.ts) does not reach: characters a policy variable made literal, values that
// themselves hold `*` or `?`, and how a case-insensitive match folds case. Each test is a way to
// get a pattern to match what it should not (or the reverse).
import { describe, expect, it } from 'vitest';
import { expandPolicyVariables } from '../../src/policy/policy-variables.js';
import { matchesWildcard, type PolicyPattern } from '../../src/policy/wildcard.js';

/** A pattern as a Version 2012-10-17 policy's Resource or StringLike value is after expansion. */
const expanded = (pattern: string, context: Record<string, string> = {}): PolicyPattern => {
  const result = expandPolicyVariables(pattern, context);
  if (result === undefined || typeof result === 'string') throw new Error(`${pattern} did not expand`);
  return result;
};

describe('characters a policy variable put in a pattern are literal', () => {
  // IAM User Guide, "IAM policy elements: Variables and tags", Special characters: `${*}` and `${?}`
  // stand for a literal `*` and `?`, for a pattern that must name those characters themselves
  // (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-specialchars).
  it('${*} matches only a `*`, even beside a real wildcard', () => {
    const pattern = expanded('arn:aws:s3:::reports/${*}/*');
    expect(matchesWildcard(pattern, 'arn:aws:s3:::reports/*/2026.csv')).toBe(true);
    expect(matchesWildcard(pattern, 'arn:aws:s3:::reports/secret/2026.csv')).toBe(false);
    expect(matchesWildcard(pattern, 'arn:aws:s3:::reports//2026.csv')).toBe(false);
  });

  it('${?} matches only a `?`, even beside a real wildcard', () => {
    const pattern = expanded('faq/${?}/*');
    expect(matchesWildcard(pattern, 'faq/?/answers')).toBe(true);
    expect(matchesWildcard(pattern, 'faq/x/answers')).toBe(false);
  });

  it('a `*` or `?` from a variable\'s value is literal too (the user cannot widen their own pattern)', () => {
    const pattern = expanded('home/${aws:username}/*', { 'aws:username': 'a?' });
    expect(matchesWildcard(pattern, 'home/a?/notes')).toBe(true);
    expect(matchesWildcard(pattern, 'home/ab/notes')).toBe(false);
  });

  it('a pattern whose only `*` and `?` are literal matches exactly that string, no prefix or extension', () => {
    const pattern = expanded('tag${*}${?}');
    expect(matchesWildcard(pattern, 'tag*?')).toBe(true);
    expect(matchesWildcard(pattern, 'tag*')).toBe(false);
    expect(matchesWildcard(pattern, 'tag*?x')).toBe(false);
    expect(matchesWildcard(pattern, 'tagab')).toBe(false);
  });
});

describe('a value holding `*` or `?` gets no wildcard power', () => {
  // An S3 key may contain `*` and `?`; in the value they are plain characters, and a `*` of the
  // pattern still matches any run of them.
  it('a pattern `*` facing a `*` of the value still matches any run', () => {
    expect(matchesWildcard('*b', '*ab')).toBe(true);
    expect(matchesWildcard('*.tmp', '*a*.tmp')).toBe(true);
    expect(matchesWildcard('a*', '?')).toBe(false);
    expect(matchesWildcard('?', '*')).toBe(true);
    expect(matchesWildcard('x?', '*')).toBe(false);
  });
});

describe('case-insensitive matching (actions) folds each character to lower case', () => {
  // IAM User Guide, "IAM JSON policy elements: Action": the service prefix and the action name are
  // case insensitive (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html);
  // everything else (Resource, StringLike) is case-sensitive
  // (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_String).
  // AWS does not say how non-ASCII letters fold; this matcher lower-cases each code point, as the
  // reference (refGlob on lower-cased strings) does. Upper-casing would differ exactly here:
  // 'ſ' (U+017F) upper-cases to 'S', the Kelvin sign 'K' (U+212A) lower-cases to 'k', 'ẞ' (U+1E9E)
  // lower-cases to 'ß' while 'ß' upper-cases to 'SS'.
  it('on letters whose lower and upper case forms disagree', () => {
    expect(matchesWildcard('KMS:Decrypt', 'kms:decrypt', true)).toBe(true);
    expect(matchesWildcard('kms:\u212Aey', 'kms:key', true)).toBe(true);
    expect(matchesWildcard('kms:key*', 'kms:\u212Aey', true)).toBe(true); // the value folds too
    expect(matchesWildcard('kms:\u017F', 'kms:s', true)).toBe(false);
    expect(matchesWildcard('kms:\u017F*', 'kms:S', true)).toBe(false);
    expect(matchesWildcard('kms:\u1E9E', 'kms:\u00DF', true)).toBe(true);
    expect(matchesWildcard('kms:\u1E9E?', 'kms:\u00DFx', true)).toBe(true);
  });

  it('without ignoreCase nothing folds', () => {
    expect(matchesWildcard('kms:\u212Aey', 'kms:key')).toBe(false);
    expect(matchesWildcard('Reports/*', 'reports/a')).toBe(false);
  });

  it('a pattern without wildcards matches the whole value, not a prefix of it', () => {
    expect(matchesWildcard('kms:Decrypt', 'kms:DecryptX', true)).toBe(false);
    expect(matchesWildcard('kms:DecryptX', 'kms:Decrypt', true)).toBe(false);
  });
});
