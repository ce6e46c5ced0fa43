// The conditions of GetObject/HeadObject (If-*) and of copies (x-amz-copy-source-if-*), with the
// precedence the S3 API Reference documents for CopyObject
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html): if-match true and
// if-unmodified-since false → the copy is made; if-none-match false and if-modified-since true → 412.

import { describe, expect, it } from 'vitest';
import { unmetCondition, type ObjectConditions } from '../../src/s3/object-conditions.js';

const object = { ETag: '"0123456789abcdef0123456789abcdef"', LastModified: new Date('2026-06-01T12:00:00.750Z') };
const BEFORE = new Date('2026-06-01T11:59:59Z');
const SAME_SECOND = new Date('2026-06-01T12:00:00Z');
const AFTER = new Date('2026-06-01T12:00:01Z');
const OTHER = '"ffffffffffffffffffffffffffffffff"';

describe('unmetCondition', () => {
  it.each<[string, ObjectConditions, ReturnType<typeof unmetCondition>]>([
    ['no conditions', {}, undefined],
    ['If-Match, quoted', { IfMatch: object.ETag }, undefined],
    ['If-Match, unquoted', { IfMatch: object.ETag.slice(1, -1) }, undefined],
    ['If-Match, in a list', { IfMatch: `${OTHER}, ${object.ETag}` }, undefined],
    ['If-Match *', { IfMatch: '*' }, undefined],
    ['If-Match, another ETag', { IfMatch: OTHER }, 'PreconditionFailed'],
    ['If-None-Match, another ETag', { IfNoneMatch: OTHER }, undefined],
    ['If-None-Match, its ETag', { IfNoneMatch: object.ETag }, 'NotModified'],
    ['If-None-Match *', { IfNoneMatch: '*' }, 'NotModified'],
    ['If-Unmodified-Since after', { IfUnmodifiedSince: AFTER }, undefined],
    ['If-Unmodified-Since the same second (dates in whole seconds)', { IfUnmodifiedSince: SAME_SECOND }, undefined],
    ['If-Unmodified-Since before', { IfUnmodifiedSince: BEFORE }, 'PreconditionFailed'],
    ['If-Modified-Since before', { IfModifiedSince: BEFORE }, undefined],
    ['If-Modified-Since the same second', { IfModifiedSince: SAME_SECOND }, 'NotModified'],
    ['If-Modified-Since after', { IfModifiedSince: AFTER }, 'NotModified'],
    // API_CopyObject: "x-amz-copy-source-if-match condition evaluates to true, and; x-amz-copy-source-if-unmodified-since
    // condition evaluates to false" → 200 OK, the copy is made.
    ['If-Match true decides over If-Unmodified-Since false', { IfMatch: object.ETag, IfUnmodifiedSince: BEFORE }, undefined],
    ['If-Match false, If-Unmodified-Since true', { IfMatch: OTHER, IfUnmodifiedSince: AFTER }, 'PreconditionFailed'],
    // "x-amz-copy-source-if-none-match condition evaluates to false, and; x-amz-copy-source-if-modified-since condition
    // evaluates to true" → 412 Precondition Failed.
    ['If-None-Match false decides over If-Modified-Since true', { IfNoneMatch: object.ETag, IfModifiedSince: BEFORE }, 'NotModified'],
    ['If-None-Match true decides over If-Modified-Since false', { IfNoneMatch: OTHER, IfModifiedSince: AFTER }, undefined],
    ['If-Match fails before If-None-Match is asked', { IfMatch: OTHER, IfNoneMatch: object.ETag }, 'PreconditionFailed'],
  ])('%s', (_, conditions, expected) => {
    expect(unmetCondition(object, conditions)).toBe(expected);
  });
});
