// AWS policy wildcards: `*` matches any run of characters (including none), `?` exactly one.

const cache = new Map<string, RegExp>();

function compile(pattern: string, ignoreCase: boolean): RegExp {
  const key = `${ignoreCase ? 'i' : 's'}:${pattern}`;
  let regex = cache.get(key);
  if (!regex) {
    const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    regex = new RegExp(`^${body}$`, ignoreCase ? 'is' : 's');
    cache.set(key, regex);
  }
  return regex;
}

/** Whether `value` matches `pattern` with AWS wildcards. */
export function matchesWildcard(pattern: string, value: string, ignoreCase = false): boolean {
  if (!pattern.includes('*') && !pattern.includes('?')) return ignoreCase ? pattern.toLowerCase() === value.toLowerCase() : pattern === value;
  return compile(pattern, ignoreCase).test(value);
}
