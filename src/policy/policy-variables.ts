// Policy variables (IAM User Guide, "IAM policy elements: Variables and tags"): in a policy of
// Version 2012-10-17, `${key}` in a Resource or in a string or ARN condition value stands for that
// key's value in the request context (`${aws:username}`, `${aws:PrincipalTag/team}`, …), with an
// optional default (`${aws:username, 'guest'}`), and `${*}`, `${?}`, `${$}` stand for a literal
// `*`, `?` and `$`. What a variable puts in is matched literally, never as a wildcard. A variable
// whose key the request does not have (and that has no default) makes its pattern match nothing;
// so does one naming a multivalued key, which AWS does not allow in variables.

import type { PolicyPattern } from './wildcard.js';

/** The request's condition keys (which variables name too): a missing key is absent; multi-valued keys are arrays. */
export type ConditionContext = Record<string, string | string[] | undefined>;

const VARIABLE = /\$\{([^}]*)\}/g;
const ESCAPES: Record<string, string> = { '*': '*', '?': '?', '$': '$' };

function contextValue(context: ConditionContext, key: string): string | undefined {
  const wanted = key.toLowerCase();
  for (const [name, value] of Object.entries(context)) {
    if (name.toLowerCase() === wanted) return typeof value === 'string' ? value : undefined;
  }
  return undefined;
}

/** `pattern` with its variables replaced from `context`, or undefined if one has no value. */
export function expandPolicyVariables(pattern: string, context: ConditionContext): PolicyPattern | undefined {
  if (!pattern.includes('${')) return pattern;
  const chars: string[] = [];
  const literal: boolean[] = [];
  const append = (text: string, isLiteral: boolean) => {
    for (const c of text) {
      chars.push(c);
      literal.push(isLiteral);
    }
  };
  let at = 0;
  for (const match of pattern.matchAll(VARIABLE)) {
    append(pattern.slice(at, match.index), false);
    at = match.index + match[0].length;
    const body = match[1]!.trim();
    if (Object.hasOwn(ESCAPES, body)) {
      append(ESCAPES[body]!, true);
      continue;
    }
    const withDefault = /^([^,]+?)\s*,\s*'([^']*)'$/.exec(body);
    const value = contextValue(context, withDefault ? withDefault[1]! : body) ?? withDefault?.[2];
    if (value === undefined) return undefined;
    append(value, true);
  }
  append(pattern.slice(at), false);
  return { text: chars.join(''), literal };
}
