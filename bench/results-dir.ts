// Where `npm run bench` writes latest.{json,md}. By default an ignored folder, so a run leaves the
// clone clean; `npm run bench -- --save` replaces the committed copy that README.md quotes.
import { parseArgs } from 'node:util';

export const SAVED_RESULTS = 'bench/results';
/** Listed in .gitignore. */
export const LOCAL_RESULTS = 'bench/results/local';

/** Throws on an unknown argument, before the run rather than after minutes of measuring. */
export function resultsDir(args: string[]): string {
  const { values } = parseArgs({ args, options: { save: { type: 'boolean', default: false } } });
  return values.save ? SAVED_RESULTS : LOCAL_RESULTS;
}
