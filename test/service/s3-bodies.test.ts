// The adapter between HTTP bodies and the ObjectStore's: a payload read whole up to the bound
// (EntityTooLarge past it, or when the declared length is already over it), and getObject's Body in
// each shape it has or will have (bytes, an async iterable, a Body with only transformToByteArray).

import { describe, expect, it } from 'vitest';
import { checkDeclaredLength, objectBodyOf, responseBodyOf } from '../../src/service/s3-bodies.js';

async function* pieces(...parts: string[]) {
  for (const part of parts) yield new TextEncoder().encode(part);
}

async function collect(body: Uint8Array | AsyncIterable<Uint8Array>): Promise<string> {
  if (body instanceof Uint8Array) return new TextDecoder().decode(body);
  let text = '';
  for await (const piece of body) text += new TextDecoder().decode(piece);
  return text;
}

describe('S3 bodies', () => {
  it('a payload is read whole, up to the bound; one byte more is EntityTooLarge (400)', async () => {
    expect(new TextDecoder().decode(await objectBodyOf(pieces('abc', 'de'), 5))).toBe('abcde');
    await expect(objectBodyOf(pieces('abc', 'def'), 5)).rejects.toMatchObject({ code: 'EntityTooLarge', status: 400 });
    expect(() => checkDeclaredLength('6', 5)).toThrow(expect.objectContaining({ code: 'EntityTooLarge' }));
    expect(() => checkDeclaredLength('5', 5)).not.toThrow();
    expect(() => checkDeclaredLength(undefined, 5)).not.toThrow();
  });

  it('getObject\'s Body as bytes, as an async iterable, or as a Body with only transformToByteArray, is sent the same', async () => {
    expect(await collect(responseBodyOf(new TextEncoder().encode('same')))).toBe('same');
    expect(await collect(responseBodyOf(pieces('sa', 'me')))).toBe('same');
    expect(await collect(responseBodyOf({ transformToByteArray: async () => new TextEncoder().encode('same') }))).toBe('same');
  });
});
