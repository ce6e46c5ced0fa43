// Test vectors kept in the repository, in test/vectors/ (see its README for sources and licences).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const vectorsDir = fileURLToPath(new URL('../vectors/', import.meta.url));

export function readVectorText(file: string): string {
  return readFileSync(vectorsDir + file, 'utf8');
}

export function loadVectorFile(file: string) {
  return JSON.parse(readVectorText(file));
}
