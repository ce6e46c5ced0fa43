// Property test of the wildcard matcher alone (src/policy/wildcard.ts): seeded random patterns and
// values, matched by matchesWildcard and by reference-evaluator.ts's refGlob, written apart from it
// from the AWS documentation, with and without case. Apart from policy-property.test.ts so that the
// mutation set of wildcard.ts runs it without the whole engine's (much slower) property test.
import { describe, expect, it } from 'vitest';
import { matchesWildcard } from '../../src/policy/wildcard.js';
import { SeededRandom } from '../helpers/seeded-random.js';
import { refGlob } from './reference-evaluator.js';

describe('the wildcard matcher agrees with a reference written from the AWS docs', () => {
  it('on random patterns and values, with and without case', () => {
    const rng = new SeededRandom(7);
    const pick = <T>(list: readonly T[]): T => list[rng.int(list.length)]!;
    for (let i = 0; i < 20_000; i++) {
      const alphabet = ['a', 'b', ':', '/', '*', '?', 'A', '😀'];
      const pattern = Array.from({ length: rng.int(8) }, () => pick(alphabet)).join('');
      const value = Array.from({ length: rng.int(10) }, () => pick(alphabet.filter((c) => c !== '*' && c !== '?'))).join('');
      expect(matchesWildcard(pattern, value), `${pattern} ~ ${value}`).toBe(refGlob(pattern, value));
      expect(matchesWildcard(pattern, value, true), `${pattern} ~i ${value}`).toBe(refGlob(pattern.toLowerCase(), value.toLowerCase()));
    }
  });
});
