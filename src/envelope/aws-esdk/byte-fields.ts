// Big-endian integers and length-prefixed fields, read from and written to byte arrays: the
// building blocks of the Encryption SDK's header, frames and footer.

import { InvalidInputError } from '../../core/errors.js';
import { MessageFormatError } from '../message-format.js';

/** Big-endian fields from the front of `bytes`; each read is undefined when the bytes run out. */
export class ByteReader {
  private readonly view: DataView;
  at = 0;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private has(n: number): boolean {
    return this.at + n <= this.bytes.length;
  }

  u8(): number | undefined {
    return this.has(1) ? this.view.getUint8(this.at++) : undefined;
  }

  u16(): number | undefined {
    if (!this.has(2)) return undefined;
    this.at += 2;
    return this.view.getUint16(this.at - 2);
  }

  u32(): number | undefined {
    if (!this.has(4)) return undefined;
    this.at += 4;
    return this.view.getUint32(this.at - 4);
  }

  u64(): number | undefined {
    if (!this.has(8)) return undefined;
    this.at += 8;
    const value = this.view.getBigUint64(this.at - 8);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new MessageFormatError(`a length of ${value} bytes is beyond what this reader handles`);
    return Number(value);
  }

  /** The next `n` bytes, a view. */
  take(n: number): Uint8Array | undefined {
    if (!this.has(n)) return undefined;
    this.at += n;
    return this.bytes.subarray(this.at - n, this.at);
  }

  /** A u16 length, then that many bytes. */
  field(): Uint8Array | undefined {
    const start = this.at;
    const length = this.u16();
    const value = length === undefined ? undefined : this.take(length);
    if (!value) this.at = start;
    return value;
  }
}

/** Big-endian fields written into an array of a known size. */
export class ByteWriter {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  private at = 0;

  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }

  u8(value: number): this {
    this.view.setUint8(this.at++, value);
    return this;
  }

  u16(value: number): this {
    this.view.setUint16(this.at, value);
    this.at += 2;
    return this;
  }

  u32(value: number): this {
    this.view.setUint32(this.at, value);
    this.at += 4;
    return this;
  }

  u64(value: number): this {
    this.view.setBigUint64(this.at, BigInt(value));
    this.at += 8;
    return this;
  }

  raw(bytes: Uint8Array): this {
    this.bytes.set(bytes, this.at);
    this.at += bytes.length;
    return this;
  }

  /** A u16 length, then the bytes (at most 65535 of them). */
  field(bytes: Uint8Array): this {
    if (bytes.length > 0xffff) throw new InvalidInputError('header field', `${bytes.length} bytes, more than the 65535 a length prefix holds`);
    return this.u16(bytes.length).raw(bytes);
  }
}
