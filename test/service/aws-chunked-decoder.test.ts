// The aws-chunked decoder on its own: the body split into network reads at every possible place
// decodes the same; trailers are collected; malformed framing (no CRLF, a size that is not hex, a body
// cut short, bytes after the end, a line without end) is IncompleteBody; a signed form without chunk
// signatures is refused. Chunk signatures themselves are checked end to end in s3-authentication.test.ts.

import { describe, expect, it } from 'vitest';
import { decodeAwsChunked } from '../../src/service/aws-chunked-decoder.js';
import type { SigningContext } from '../../src/service/sigv4-verifier.js';

const encoder = new TextEncoder();
const BODY = encoder.encode('5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n');

async function decode(pieces: Uint8Array[], signing?: SigningContext) {
  const trailers = new Map<string, string>();
  const out: number[] = [];
  async function* source() {
    yield* pieces;
  }
  for await (const piece of decodeAwsChunked(source(), { trailers, signing })) out.push(...piece);
  return { text: new TextDecoder().decode(new Uint8Array(out)), trailers: Object.fromEntries(trailers) };
}

async function errorCode(body: string | Uint8Array, signing?: SigningContext): Promise<string> {
  try {
    await decode([typeof body === 'string' ? encoder.encode(body) : body], signing);
  } catch (error) {
    return (error as { code: string }).code;
  }
  return 'decoded';
}

describe('aws-chunked decoding', () => {
  it('decodes the same whatever the network reads are: split in two at every offset, and byte by byte', async () => {
    const expected = { text: 'hello world', trailers: { 'x-amz-checksum-crc32': 'DUoRhQ==' } };
    for (let at = 0; at <= BODY.length; at++) {
      expect(await decode([BODY.subarray(0, at), BODY.subarray(at)]), `split at ${at}`).toEqual(expected);
    }
    expect(await decode([...BODY].map((b) => new Uint8Array([b])))).toEqual(expected);
  });

  it('a final chunk with no trailer, and an empty body', async () => {
    expect(await decode([encoder.encode('3\r\nabc\r\n0\r\n\r\n')])).toEqual({ text: 'abc', trailers: {} });
    expect(await decode([encoder.encode('0\r\n\r\n')])).toEqual({ text: '', trailers: {} });
  });

  it('malformed framing is IncompleteBody', async () => {
    for (const body of ['5\r\nhello\r\n', '5\r\nhel', '5\nhello\r\n0\r\n\r\n', 'z\r\nhello\r\n0\r\n\r\n', '5\r\nhelloX\r\n0\r\n\r\n',
      '0\r\n\r\nextra', '0\r\nno-colon\r\n\r\n', '-1\r\n\r\n', `${'1'.repeat(5000)}\r\n`, '5;chunk-signature=zz\r\nhello\r\n0\r\n\r\n']) {
      expect(await errorCode(body), JSON.stringify(body.slice(0, 40))).toBe('IncompleteBody');
    }
  });

  it('a signed form whose chunks carry no signature is SignatureDoesNotMatch', async () => {
    const signing: SigningContext = { amzDate: '20260101T000000Z', credentialScope: '20260101/us-east-1/s3/aws4_request', seedSignature: '0'.repeat(64),
      signString: async () => '1'.repeat(64) };
    expect(await errorCode('5\r\nhello\r\n0\r\n\r\n', signing)).toBe('SignatureDoesNotMatch');
    expect(await errorCode(`5;chunk-signature=${'2'.repeat(64)}\r\nhello\r\n0\r\n\r\n`, signing)).toBe('SignatureDoesNotMatch');
    expect(await decode([encoder.encode(`5;chunk-signature=${'1'.repeat(64)}\r\nhello\r\n0;chunk-signature=${'1'.repeat(64)}\r\n\r\n`)], signing))
      .toEqual({ text: 'hello', trailers: {} });
  });
});
