// For tests that check the pool leaves no plaintext behind: a recognizable plaintext, decrypted on
// the pool by both ciphers, so whatever memory carried the parts can be searched for it.
import { gcm, parallelGcm, parallelXts, xts } from '../../src/index.js';
import type { SeededRandom } from './seeded-random.js';

/** The byte the plaintext is made of. */
export const PLAINTEXT_BYTE = 0x5a;

/** Decrypts 3 MiB of PLAINTEXT_BYTE with parallelGcm and with ParallelXts. */
export async function decryptRecognizablePlaintextOnThePool(rng: SeededRandom): Promise<void> {
  const plaintext = new Uint8Array(3 * 1024 * 1024).fill(PLAINTEXT_BYTE);
  const [key, iv, xtsKey] = [rng.bytes(32), rng.bytes(12), rng.bytes(64)];
  await parallelGcm(key, iv).decrypt(gcm(key, iv).encrypt(plaintext));
  await parallelXts(xtsKey).decryptSectors(xts(xtsKey).encryptSectors(plaintext, 0n), 0n);
}
