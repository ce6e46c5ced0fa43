import { describe, expect, it } from 'vitest';
import * as lib from '../../src/index.js';
import { checkGcmVector, describeVector, gcmVectors } from '../shared/known-answers.js';
import { loadVectorFile } from '../helpers/vectors.js';

const vectors = gcmVectors(loadVectorFile('wycheproof_aes_gcm_test.json'));

describe('AES-256-GCM: Wycheproof', () => {
  it('runs every AES-256 case', () => {
    expect(vectors.length).toBe(105);
    expect(vectors.filter((v) => v.result === 'invalid').length).toBe(29);
  });

  it('the check fails on a wrong expected ciphertext or a forged tag (so it can fail)', () => {
    const valid = vectors.find((v) => v.result === 'valid' && v.ct.length > 0)!;
    const wrongCt = (valid.ct[0] === '0' ? '1' : '0') + valid.ct.slice(1);
    expect(() => checkGcmVector(lib, { ...valid, ct: wrongCt })).toThrow(/encrypt/);
    const forged = vectors.find((v) => v.result === 'invalid' && v.iv.length > 0)!;
    expect(() => checkGcmVector(lib, { ...forged, result: 'valid' })).toThrow();
  });

  for (const constantTime of [false, true]) {
    describe(constantTime ? 'constant-time GHASH' : 'table GHASH', () => {
      for (const v of vectors) it(describeVector(v), () => checkGcmVector(lib, v, { constantTime }));
    });
  }
});
