// Project Wycheproof vectors, read from ../shared/vectors beside the checkout (as in CI).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const vectorsDir = fileURLToPath(new URL('../../../shared/vectors/', import.meta.url));

export function loadVectorFile(file: string) {
  return JSON.parse(readFileSync(vectorsDir + file, 'utf8'));
}
