// The adapter between HTTP bodies and the ObjectStore's: a PUT's payload passes on as a stream with
// its declared length (a length over S3's 5 GiB, or one that is not a number, refused before any byte
// is read), and a small request document is read whole up to a bound (EntityTooLarge past it).

import { describe, expect, it } from 'vitest';
import { objectPayload, readDocument } from '../../src/service/s3-bodies.js';

async function* pieces(...parts: string[]) {
  for (const part of parts) yield new TextEncoder().encode(part);
}

describe('S3 bodies', () => {
  it('a document is read whole, up to the bound; one byte more is EntityTooLarge (400)', async () => {
    expect(new TextDecoder().decode(await readDocument(pieces('abc', 'de'), 5))).toBe('abcde');
    await expect(readDocument(pieces('abc', 'def'), 5)).rejects.toMatchObject({ code: 'EntityTooLarge', status: 400 });
  });

  it('a payload passes on unread, with its declared length; a length over the limit or not a number is refused at once', () => {
    const bytes = pieces('never read');
    expect(objectPayload(bytes, '5', 5)).toEqual({ Body: bytes, ContentLength: 5 });
    expect(objectPayload(bytes, undefined, 5)).toEqual({ Body: bytes });
    expect(() => objectPayload(bytes, '6', 5)).toThrow(expect.objectContaining({ code: 'EntityTooLarge', status: 400 }));
    expect(() => objectPayload(bytes, '5e3', 5)).toThrow(expect.objectContaining({ code: 'InvalidArgument', status: 400 }));
    expect(() => objectPayload(bytes, String(5 * 1024 ** 3 + 1))).toThrow(expect.objectContaining({ code: 'EntityTooLarge' }));
  });
});
