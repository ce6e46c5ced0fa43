import { describe, expect, it } from 'vitest';
import * as lib from '../../src/index.js';
import { checkXtsVector, describeVector, xtsVectors } from '../shared/known-answers.js';
import { loadVectorFile } from '../helpers/vectors.js';

const vectors = xtsVectors(loadVectorFile('wycheproof_aes_xts_test.json'));

describe('AES-256-XTS: Wycheproof (512-bit keys)', () => {
  it('runs every 512-bit case', () => {
    expect(vectors.length).toBe(41);
  });

  it('the check fails on a wrong expected ciphertext (so it can fail)', () => {
    const v = vectors[0]!;
    expect(() => checkXtsVector(lib, { ...v, ct: (v.ct[0] === '0' ? '1' : '0') + v.ct.slice(1) })).toThrow(/encrypt/);
  });

  for (const v of vectors) it(describeVector(v), () => checkXtsVector(lib, v));
});
