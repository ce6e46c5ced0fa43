// Decrypting a framed message fed in 64 KiB chunks (as Node streams deliver it), with 64 KiB and
// with 16 MiB frames: the decryptor joins chunks once per frame, so large frames should cost about
// the same. Run after `npm run build`: node bench/probes/frame-chunks.mjs
import { encryptMessage, FramedDecryptor } from '../../dist/index.js';

const MESSAGE_BYTES = 32 * 1024 * 1024;
const CHUNK_BYTES = 64 * 1024;
const dataKey = new Uint8Array(32).fill(5);
const materials = () => ({ dataKey: dataKey.slice(), encryptionContext: {}, wrappedKeys: [{ providerId: 'probe', keyId: 'k', blob: new Uint8Array(4) }] });

for (const frameBytes of [64 * 1024, 16 * 1024 * 1024]) {
  const message = encryptMessage(materials(), new Uint8Array(MESSAGE_BYTES), { frameBytes });
  const start = performance.now();
  const decryptor = new FramedDecryptor(async () => dataKey.slice());
  for (let at = 0; at < message.length; at += CHUNK_BYTES) await decryptor.update(message.subarray(at, at + CHUNK_BYTES));
  await decryptor.final();
  console.log(`${frameBytes / 1024} KiB frames: 32 MiB in 64 KiB chunks decrypted in ${(performance.now() - start).toFixed(0)} ms`);
}
