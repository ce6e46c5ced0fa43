// Decodes an `aws-chunked` request body as it arrives, as S3 reads the bodies AWS clients stream
// (Amazon S3 API Reference, "Signature Calculations for the Authorization Header: Transferring Payload
// in Multiple Chunks (Chunked Upload) (AWS Signature Version 4)" and "… Including trailing headers"):
//
//   STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]   hex-size;chunk-signature=SIG CRLF data CRLF … 0;chunk-signature=SIG CRLF
//   STREAMING-UNSIGNED-PAYLOAD-TRAILER             hex-size CRLF data CRLF … 0 CRLF
//
// then trailing headers (`x-amz-checksum-crc32:…` CRLF, and for the signed form `x-amz-trailer-signature:SIG`
// CRLF) and an empty line. Each chunk's signature chains from the previous one (the first from the
// request's own signature):
//   HMAC(signing key, "AWS4-HMAC-SHA256-PAYLOAD\n" + X-Amz-Date + "\n" + scope + "\n" + previous + "\n" + SHA256("") + "\n" + SHA256(data))
// and the trailer signature is
//   HMAC(signing key, "AWS4-HMAC-SHA256-TRAILER\n" + X-Amz-Date + "\n" + scope + "\n" + previous + "\n" + SHA256(trailer lines, each "name:value\n")).
// A chunk's bytes are passed on as they arrive and its signature checked at its end: whoever stores
// them must commit only once the whole body has been read without error.

import { createHash } from 'node:crypto';
import { ServiceError } from './service-error.js';
import { constantTimeEqualText } from '../core/bytes.js';
import type { SigningContext } from './sigv4-verifier.js';

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
/** No chunk-size line or trailer line is longer than this: a body without CRLFs cannot make us buffer it. */
const MAX_LINE_BYTES = 4096;
const CHUNK_HEADER = /^([0-9a-fA-F]{1,15})(?:;chunk-signature=([0-9a-f]{64}))?$/;

export interface AwsChunkedOptions {
  /** Present for the signed forms: every chunk (and the trailer) must carry a valid signature. */
  signing?: SigningContext;
  /** Receives the trailing headers (lower-case names), once the body has been read. */
  trailers: Map<string, string>;
}

const malformed = (what: string) => new ServiceError('IncompleteBody', 400, `The aws-chunked body is malformed: ${what}`);
const badChunkSignature = (what: string) => new ServiceError('SignatureDoesNotMatch', 403,
  `The ${what} signature we calculated does not match the signature you provided.`);

/** Reads lines and counted byte runs from a byte stream, holding at most one line (or one network read) at a time. */
class ByteReader {
  private buffer: Uint8Array = new Uint8Array(0);
  private readonly source: AsyncIterator<Uint8Array>;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.source = source[Symbol.asyncIterator]();
  }

  /** Appends the next non-empty read; false at the end of the stream. */
  private async fill(): Promise<boolean> {
    for (;;) {
      const next = await this.source.next();
      if (next.done) return false;
      if (next.value.length === 0) continue;
      this.buffer = this.buffer.length === 0 ? next.value : Buffer.concat([this.buffer, next.value]);
      return true;
    }
  }

  /** The next line without its CRLF. */
  async line(): Promise<string> {
    for (let searched = 0; ;) {
      const end = this.buffer.indexOf(0x0a, searched);
      if (end >= 0) {
        if (end === 0 || this.buffer[end - 1] !== 0x0d) throw malformed('a line does not end in CRLF');
        const text = Buffer.from(this.buffer.subarray(0, end - 1)).toString('latin1');
        this.buffer = this.buffer.subarray(end + 1);
        return text;
      }
      searched = this.buffer.length;
      if (searched > MAX_LINE_BYTES) throw malformed('a chunk-size or trailer line is too long');
      if (!await this.fill()) throw malformed('the body ends inside a line');
    }
  }

  /** Exactly `count` bytes, in the pieces they arrive in. */
  async *take(count: number): AsyncGenerator<Uint8Array> {
    let left = count;
    while (left > 0) {
      if (this.buffer.length === 0 && !await this.fill()) throw malformed(`the body ends ${left} bytes before its chunk does`);
      const piece = this.buffer.subarray(0, Math.min(left, this.buffer.length));
      this.buffer = this.buffer.subarray(piece.length);
      left -= piece.length;
      yield piece;
    }
  }

  /** Whether anything follows. */
  async atEnd(): Promise<boolean> {
    return this.buffer.length === 0 && !await this.fill();
  }
}

export async function* decodeAwsChunked(source: AsyncIterable<Uint8Array>, options: AwsChunkedOptions): AsyncGenerator<Uint8Array> {
  const { signing } = options;
  const reader = new ByteReader(source);
  let previous = signing?.seedSignature ?? '';
  const sign = (kind: string, hash: string) => signing!.signString([kind, signing!.amzDate, signing!.credentialScope, previous, hash].join('\n'));
  for (;;) {
    const header = CHUNK_HEADER.exec(await reader.line());
    if (!header) throw malformed('expected a chunk size in hexadecimal (and, when signed, ;chunk-signature=)');
    if (signing && header[2] === undefined) throw badChunkSignature('chunk');
    const size = Number.parseInt(header[1]!, 16);
    const hash = createHash('sha256');
    for await (const piece of reader.take(size)) {
      hash.update(piece);
      yield piece;
    }
    if (signing) {
      if (!constantTimeEqualText(await sign('AWS4-HMAC-SHA256-PAYLOAD', `${EMPTY_SHA256}\n${hash.digest('hex')}`), header[2]!)) throw badChunkSignature('chunk');
      previous = header[2]!;
    }
    if (size === 0) break;
    if (await reader.line() !== '') throw malformed('a chunk\'s data is not followed by CRLF');
  }
  let canonicalTrailer = '';
  let trailerSignature: string | undefined;
  for (let line = await reader.line(); line !== ''; line = await reader.line()) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw malformed('a trailing header is not name:value');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'x-amz-trailer-signature') {
      trailerSignature = value;
      continue;
    }
    canonicalTrailer += `${name}:${value}\n`;
    options.trailers.set(name, value);
  }
  if (signing && options.trailers.size > 0) {
    const expected = await sign('AWS4-HMAC-SHA256-TRAILER', createHash('sha256').update(canonicalTrailer).digest('hex'));
    if (trailerSignature === undefined || !constantTimeEqualText(expected, trailerSignature)) throw badChunkSignature('trailer');
  }
  if (!await reader.atEnd()) throw malformed('bytes follow the final chunk and its trailer');
}
