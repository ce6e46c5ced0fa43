// AWS policy wildcards: `*` matches any run of characters (including none), `?` exactly one.
//
// Patterns and values both come from callers (a bucket policy's Resource, an encryption-context
// value a request chooses), so matching must not backtrack exponentially as a regular expression
// can (`…/*/*/*/*/*.tmp` against a 256-byte key stalled a regex engine for seconds). This is the
// two-pointer glob match: on a mismatch it resumes just after the last `*`, one character further
// into the value, so it does at most |pattern| × |value| steps.

/** Whether `value` matches `pattern` with AWS wildcards; characters are Unicode code points. */
export function matchesWildcard(pattern: string, value: string, ignoreCase = false): boolean {
  if (ignoreCase) return matchesWildcard(pattern.toLowerCase(), value.toLowerCase());
  if (!pattern.includes('*') && !pattern.includes('?')) return pattern === value;
  const p = Array.from(pattern);
  const v = Array.from(value);
  let pi = 0;
  let vi = 0;
  let star = -1; // the pattern index of the last `*` seen
  let resume = 0; // where in the value that `*`'s run ends for now
  while (vi < v.length) {
    if (pi < p.length && (p[pi] === '?' || (p[pi] !== '*' && p[pi] === v[vi]))) {
      pi += 1;
      vi += 1;
    } else if (pi < p.length && p[pi] === '*') {
      star = pi;
      pi += 1;
      resume = vi;
    } else if (star >= 0) {
      pi = star + 1;
      resume += 1;
      vi = resume;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === '*') pi += 1;
  return pi === p.length;
}
