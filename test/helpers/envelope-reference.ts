// docs/format.md written again from the text alone, with node:crypto (OpenSSL's HKDF, SHA-256 and
// AES-256-GCM) and none of src/: a second implementation for differential tests. `frames` lets a
// test seal frames that break the format's rules (numbers, flags, lengths) under a valid key, so
// the decryptor's own checks are tested apart from the GCM tags.
import { createCipheriv, createDecipheriv, createHash, hkdfSync } from 'node:crypto';

export interface ReferenceHeader {
  messageId: Uint8Array;
  frameBytes: number;
  context: Record<string, string>;
  wrappedKeys: Array<{ providerId: string; keyId: string; blob: Uint8Array }>;
}

/** How one frame is written: its prefix (`number`, `final`, `length`) and what its IV and AAD say (by default the same). */
export interface ReferenceFrame {
  number: number;
  final: boolean;
  content: Uint8Array;
  /** The length the prefix of a final frame claims (default: the content's). */
  length?: number;
  aad?: { number?: number; final?: boolean; length?: number };
  /** The IV's frame number (default: `number`). */
  nonceNumber?: number;
  /** A tag to write instead of the real one (an attacker's guess). */
  tag?: Uint8Array;
}

const u16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
const u32 = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };
const u64 = (n: number) => { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(n)); return b; };
const field = (bytes: Uint8Array) => Buffer.concat([u16(bytes.length), bytes]);

export const messageKeyOf = (dataKey: Uint8Array, messageId: Uint8Array): Buffer =>
  Buffer.from(hkdfSync('sha256', dataKey, messageId, Buffer.from('kms-wasm envelope v1 alg 1'), 32));

function seal(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): { ciphertext: Buffer; tag: Buffer } {
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { ciphertext, tag: cipher.getAuthTag() };
}

function nonce(frameNumber: number): Buffer {
  return Buffer.concat([Buffer.alloc(4), u64(frameNumber)]);
}

export function referenceHeaderBody(header: ReferenceHeader, { algorithm = 1, version = 1 } = {}): Buffer {
  const pairs = Object.entries(header.context).map(([k, v]) => [Buffer.from(k, 'utf8'), Buffer.from(v, 'utf8')] as const)
    .sort(([a], [b]) => Buffer.compare(a, b));
  return Buffer.concat([
    Buffer.from('KWE1'), Buffer.from([version]), u16(algorithm), header.messageId, u32(header.frameBytes),
    u16(pairs.length), ...pairs.flatMap(([k, v]) => [field(k), field(v)]),
    u16(header.wrappedKeys.length), ...header.wrappedKeys.flatMap((w) => [field(Buffer.from(w.providerId)), field(Buffer.from(w.keyId)), field(w.blob)]),
  ]);
}

/** A header (with its tag) and the frames as given, each sealed under the message key. */
export function referenceMessage(dataKey: Uint8Array, header: ReferenceHeader, frames: ReferenceFrame[], headerBody = referenceHeaderBody(header)): Buffer {
  const key = messageKeyOf(dataKey, header.messageId);
  const headerTag = seal(key, Buffer.alloc(12, 0xff), headerBody, new Uint8Array(0)).tag;
  const hash = createHash('sha256').update(headerBody).digest();
  const out: Buffer[] = [headerBody, headerTag];
  for (const frame of frames) {
    const length = frame.aad?.length ?? frame.content.length;
    const aad = Buffer.concat([hash, u64(frame.aad?.number ?? frame.number), Buffer.from([(frame.aad?.final ?? frame.final) ? 1 : 0]), u64(length)]);
    const { ciphertext, tag } = seal(key, nonce(frame.nonceNumber ?? frame.number), aad, frame.content);
    out.push(frame.final ? Buffer.concat([u32(0xffffffff), u32(frame.number), u32(frame.length ?? frame.content.length)]) : u32(frame.number));
    out.push(ciphertext, Buffer.from(frame.tag ?? tag));
  }
  return Buffer.concat(out);
}

/** The frames a correct encryptor writes for `plaintext`. */
export function referenceFrames(plaintext: Uint8Array, frameBytes: number): ReferenceFrame[] {
  const regular = Math.floor(plaintext.length / frameBytes);
  const frames: ReferenceFrame[] = [];
  for (let i = 0; i < regular; i++) frames.push({ number: i + 1, final: false, content: plaintext.subarray(i * frameBytes, (i + 1) * frameBytes) });
  frames.push({ number: regular + 1, final: true, content: plaintext.subarray(regular * frameBytes) });
  return frames;
}

/** Decrypts a well-formed message; throws on anything docs/format.md says a reader must refuse. */
export function referenceDecrypt(dataKey: Uint8Array, message: Uint8Array): { header: ReferenceHeader; plaintext: Buffer } {
  const bytes = Buffer.from(message);
  let at = 0;
  const take = (n: number) => {
    if (at + n > bytes.length) throw new Error('truncated');
    const out = bytes.subarray(at, at + n);
    at += n;
    return out;
  };
  const readField = () => take(take(2).readUInt16BE());
  if (take(4).toString() !== 'KWE1' || take(1)[0] !== 1 || take(2).readUInt16BE() !== 1) throw new Error('bad magic, version or algorithm');
  const messageId = Uint8Array.from(take(32));
  const frameBytes = take(4).readUInt32BE();
  if (frameBytes < 1 || frameBytes > 16 * 1024 * 1024) throw new Error('frame size out of range');
  const context: Record<string, string> = {};
  for (let pairs = take(2).readUInt16BE(); pairs > 0; pairs--) {
    const k = readField().toString('utf8');
    if (Object.hasOwn(context, k)) throw new Error('repeated key');
    context[k] = readField().toString('utf8');
  }
  const wrappedKeys = [];
  const keyCount = take(2).readUInt16BE();
  if (keyCount === 0) throw new Error('no wrapped key');
  for (let count = keyCount; count > 0; count--) {
    wrappedKeys.push({ providerId: readField().toString(), keyId: readField().toString(), blob: Uint8Array.from(readField()) });
  }
  const headerBody = bytes.subarray(0, at);
  const key = messageKeyOf(dataKey, messageId);
  const open = (iv: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array) => {
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  };
  open(Buffer.alloc(12, 0xff), headerBody, new Uint8Array(0), take(16));
  const hash = createHash('sha256').update(headerBody).digest();
  const parts: Buffer[] = [];
  for (let n = 1; ; n++) {
    const first = take(4).readUInt32BE();
    const final = first === 0xffffffff;
    if (final && take(4).readUInt32BE() !== n) throw new Error('frame number');
    if (!final && first !== n) throw new Error('frame number');
    const length = final ? take(4).readUInt32BE() : frameBytes;
    if (length > frameBytes) throw new Error('final frame too long');
    parts.push(open(nonce(n), Buffer.concat([hash, u64(n), Buffer.from([final ? 1 : 0]), u64(length)]), take(length), take(16)));
    if (final) break;
  }
  if (at !== bytes.length) throw new Error('data after the final frame');
  return { header: { messageId, frameBytes, context, wrappedKeys }, plaintext: Buffer.concat(parts) };
}
