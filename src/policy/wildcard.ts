// AWS policy wildcards: `*` matches any run of characters (including none), `?` exactly one.
//
// Patterns and values both come from callers (a bucket policy's Resource, an encryption-context
// value a request chooses), so matching must not backtrack exponentially as a regular expression
// can (`…/*/*/*/*/*.tmp` against a 256-byte key stalled a regex engine for seconds). This is the
// two-pointer glob match: on a mismatch it resumes just after the last `*`, one character further
// into the value, so it does at most |pattern| × |value| steps.

/**
 * A pattern after policy-variable substitution (policy-variables.ts): the characters a variable
 * put there, and those of `${*}` / `${?}`, are literal even when they are `*` or `?`.
 */
export interface ExpandedPattern {
  readonly text: string;
  /** By code point of `text`: true where the character is literal. */
  readonly literal: readonly boolean[];
}

export type PolicyPattern = string | ExpandedPattern;

const ASCII = /^[\x00-\x7f]*$/;

export const patternText = (pattern: PolicyPattern): string => (typeof pattern === 'string' ? pattern : pattern.text);

/** Whether `value` matches `pattern` with AWS wildcards; characters are Unicode code points. */
export function matchesWildcard(pattern: PolicyPattern, value: string, ignoreCase = false): boolean {
  const text = patternText(pattern);
  const literal = typeof pattern === 'string' ? undefined : pattern.literal;
  // Stryker disable next-line ConditionalExpression,EqualityOperator,StringLiteral: a shortcut only; when it is skipped (its test or a part of it false, `literal !== undefined`, includes('')) the general path below gives the same answer (wildcard.test.ts kills the mutants that take it wrongly)
  if (literal === undefined && !ignoreCase && !text.includes('*') && !text.includes('?')) return text === value;
  // Stryker disable next-line ConditionalExpression,LogicalOperator: a shortcut only; without it the general loop gives the same answer for "*"
  if (text === '*' && literal?.[0] !== true) return true;
  const fold = (c: string) => (ignoreCase ? c.toLowerCase() : c);
  // ASCII text (nearly every action, ARN and context value) is matched as the strings themselves:
  // its code units are its code points, and folding the whole string folds each character alike.
  // Anything else is split into code points, each folded on its own.
  const ascii = ASCII.test(text) && ASCII.test(value);
  const p: ArrayLike<string> = ascii ? (ignoreCase ? text.toLowerCase() : text) : Array.from(text, fold);
  const v: ArrayLike<string> = ascii ? (ignoreCase ? value.toLowerCase() : value) : Array.from(value, fold);
  let hasWildcard = false;
  // Stryker disable next-line ConditionalExpression,LogicalOperator,EqualityOperator: a shortcut only; counting more characters as wildcards (a part true, `&&` as `||`) sends the pattern through the general loop, which gives the same answer
  for (let i = 0; i < p.length && !hasWildcard; i++) hasWildcard = (p[i] === '*' || p[i] === '?') && literal?.[i] !== true;
  // Stryker disable next-line ConditionalExpression: skipping the shortcut (`!hasWildcard` false) sends the pattern through the general loop, which gives the same answer
  if (!hasWildcard) return p.length === v.length && Array.prototype.every.call(p, (c: string, i: number) => c === v[i]);
  const isStar = (i: number) => p[i] === '*' && literal?.[i] !== true;
  const isAny = (i: number) => p[i] === '?' && literal?.[i] !== true;
  let pi = 0;
  let vi = 0;
  let star = -1; // the pattern index of the last `*` seen
  let resume = 0; // where in the value that `*`'s run ends for now
  while (vi < v.length) {
    // Stryker disable next-line ConditionalExpression,EqualityOperator: at pi === p.length (never beyond) p[pi] is undefined, so `pi < p.length` true or `<=` changes nothing (wildcard.test.ts kills `!isStar(pi)` true)
    if (pi < p.length && !isStar(pi) && (isAny(pi) || p[pi] === v[vi])) {
      pi += 1;
      vi += 1;
      // (The directive sits after `else`: Stryker reads only comments leading the `if` node.)
    } else /* Stryker disable next-line ConditionalExpression,EqualityOperator: isStar(p.length) is false, so `pi < p.length` true or `<=` changes nothing */ if (pi < p.length && isStar(pi)) {
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
  // Stryker disable next-line ConditionalExpression,EqualityOperator: isStar(p.length) is false, so `pi < p.length` true or `<=` changes nothing
  while (pi < p.length && isStar(pi)) pi += 1;
  return pi === p.length;
}
