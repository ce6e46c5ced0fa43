// `npm run bench` leaves the clone clean: it writes to an ignored folder unless told to --save.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LOCAL_RESULTS, resultsDir, SAVED_RESULTS } from '../../bench/results-dir.js';

describe('where the benchmark writes', () => {
  it('writes to the ignored local folder by default, to the committed copy with --save', () => {
    expect(resultsDir([])).toBe(LOCAL_RESULTS);
    expect(resultsDir(['--save'])).toBe(SAVED_RESULTS);
    const ignored = readFileSync(new URL('../../.gitignore', import.meta.url), 'utf8').split('\n');
    expect(ignored).toContain(`${LOCAL_RESULTS}/`);
    expect(ignored).not.toContain(`${SAVED_RESULTS}/`);
  });

  it('refuses an unknown argument', () => {
    expect(() => resultsDir(['--sav'])).toThrow(/Unknown option '--sav'/);
  });
});
