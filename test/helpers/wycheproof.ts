// Project Wycheproof vectors, read from ../shared/vectors beside the checkout (as in CI).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const vectorsDir = fileURLToPath(new URL('../../../shared/vectors/', import.meta.url));

export interface WycheproofGroup<T> {
  keySize: number;
  ivSize: number;
  tagSize?: number;
  tests: T[];
}

export interface AeadVector {
  tcId: number; comment: string; flags: string[];
  key: string; iv: string; aad: string; msg: string; ct: string; tag: string;
  result: 'valid' | 'invalid' | 'acceptable';
}

export interface IndCpaVector {
  tcId: number; comment: string; flags: string[];
  key: string; iv: string; msg: string; ct: string;
  result: 'valid' | 'invalid' | 'acceptable';
}

export function loadGroups<T>(file: string): WycheproofGroup<T>[] {
  return JSON.parse(readFileSync(vectorsDir + file, 'utf8')).testGroups;
}
