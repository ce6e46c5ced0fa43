// Condition operators of the IAM policy language: String*, Arn*, Numeric*, Date*, Bool, Null, the
// …IfExists suffix and the ForAnyValue:/ForAllValues: set qualifiers. Condition keys are matched
// case-insensitively, as in AWS; values are compared as the operator says.
//
// A key the request does not have (IAM User Guide, "Condition operators" and "Set operators for
// multivalued context keys"):
// - a plain operator is false, a negated one (StringNotEquals, ArnNotLike, …) true;
// - …IfExists makes a plain or negated operator true;
// - ForAnyValue: is false and ForAllValues: true, whether or not …IfExists is added (the suffix
//   does not change set operators: re:Post "ForAnyValue:StringEqualsIfExists behaving unexpectedly"
//   shows AWS refusing such an Allow when the key is absent);
// - Null tests presence only.
// A key whose value is an empty list counts as absent.

import { MalformedPolicyError } from './policy-errors.js';
import { matchesArn } from './arn.js';
import { addressInBlock } from './ip-address.js';
import { expandPolicyVariables, type ConditionContext } from './policy-variables.js';
import { matchesWildcard, patternText, type PolicyPattern } from './wildcard.js';

/** operator (e.g. "StringEqualsIfExists", "ForAnyValue:StringLike") → context key → values. */
export type ConditionBlock = Record<string, Record<string, string[]>>;

export type { ConditionContext } from './policy-variables.js';

type Compare = (policyValue: PolicyPattern, contextValue: string) => boolean;

/** A number as written, or NaN (Number alone reads '' and ' ' as 0). */
const numberOf = (text: string) => (text.trim() === '' ? NaN : Number(text));
const numeric = (test: (a: number, b: number) => boolean): Compare => (p, c) => {
  const [a, b] = [numberOf(c), numberOf(patternText(p))];
  // Stryker disable next-line ConditionalExpression,LogicalOperator: a guard made true, or the two guards joined by `||`, only lets NaN reach `test`, and every comparison with NaN is false (negated operators negate outside); the other mutants these mutators make here (the whole test true or false, `… || test(a, b)`) are killed (unmarked run)
  return !Number.isNaN(a) && !Number.isNaN(b) && test(a, b);
};
/** A date as AWS reads one in a condition: ISO 8601, or epoch (UNIX) seconds. */
const timeOf = (text: string) => (/^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text));
const date = (test: (a: number, b: number) => boolean): Compare => (p, c) => {
  const [a, b] = [timeOf(c), timeOf(patternText(p))];
  // Stryker disable next-line ConditionalExpression,LogicalOperator: as in `numeric`: NaN fails every comparison anyway (the other mutants of these mutators here are killed: unmarked run)
  return !Number.isNaN(a) && !Number.isNaN(b) && test(a, b);
};

const equal: Compare = (p, c) => patternText(p) === c;
const equalIgnoringCase: Compare = (p, c) => patternText(p).toLowerCase() === c.toLowerCase();

/**
 * Positive comparisons; a `negated` operator is true when no policy value matches. `variables`:
 * the operator's policy values may hold policy variables (string and ARN operators).
 */
const OPERATORS: Record<string, { compare: Compare; negated: boolean; variables?: true }> = {
  StringEquals: { compare: equal, negated: false, variables: true },
  StringNotEquals: { compare: equal, negated: true, variables: true },
  StringEqualsIgnoreCase: { compare: equalIgnoringCase, negated: false, variables: true },
  StringNotEqualsIgnoreCase: { compare: equalIgnoringCase, negated: true, variables: true },
  StringLike: { compare: (p, c) => matchesWildcard(p, c), negated: false, variables: true },
  StringNotLike: { compare: (p, c) => matchesWildcard(p, c), negated: true, variables: true },
  ArnEquals: { compare: matchesArn, negated: false, variables: true },
  ArnLike: { compare: matchesArn, negated: false, variables: true },
  ArnNotEquals: { compare: matchesArn, negated: true, variables: true },
  ArnNotLike: { compare: matchesArn, negated: true, variables: true },
  NumericEquals: { compare: numeric((a, b) => a === b), negated: false },
  NumericNotEquals: { compare: numeric((a, b) => a === b), negated: true },
  NumericLessThan: { compare: numeric((a, b) => a < b), negated: false },
  NumericLessThanEquals: { compare: numeric((a, b) => a <= b), negated: false },
  NumericGreaterThan: { compare: numeric((a, b) => a > b), negated: false },
  NumericGreaterThanEquals: { compare: numeric((a, b) => a >= b), negated: false },
  DateEquals: { compare: date((a, b) => a === b), negated: false },
  DateNotEquals: { compare: date((a, b) => a === b), negated: true },
  DateLessThan: { compare: date((a, b) => a < b), negated: false },
  DateLessThanEquals: { compare: date((a, b) => a <= b), negated: false },
  DateGreaterThan: { compare: date((a, b) => a > b), negated: false },
  DateGreaterThanEquals: { compare: date((a, b) => a >= b), negated: false },
  Bool: { compare: equalIgnoringCase, negated: false },
  // The policy value is base64 of the bytes; the request's value is compared as the same text.
  BinaryEquals: { compare: equal, negated: false },
  IpAddress: { compare: (p, c) => addressInBlock(patternText(p), c), negated: false },
  NotIpAddress: { compare: (p, c) => addressInBlock(patternText(p), c), negated: true },
};

function lookup(context: ConditionContext, key: string): string[] | undefined {
  const lower = key.toLowerCase();
  for (const [name, value] of Object.entries(context)) {
    if (name.toLowerCase() === lower && value !== undefined) return Array.isArray(value) ? value : [value];
  }
  return undefined;
}

interface Operator {
  qualifier?: 'ForAnyValue' | 'ForAllValues';
  ifExists: boolean;
  compare: Compare;
  negated: boolean;
  variables?: true;
}

/** An operator as written in a policy (set qualifier and …IfExists included), or undefined if there is none such. */
function operatorNamed(written: string): Operator | 'Null' | undefined {
  if (written === 'Null') return 'Null';
  let name = written;
  let qualifier: Operator['qualifier'];
  for (const prefix of ['ForAnyValue:', 'ForAllValues:'] as const) {
    if (name.startsWith(prefix)) {
      qualifier = prefix.slice(0, -1) as Operator['qualifier'];
      name = name.slice(prefix.length);
    }
  }
  const ifExists = name.endsWith('IfExists');
  if (ifExists) name = name.slice(0, -'IfExists'.length);
  const definition = Object.hasOwn(OPERATORS, name) ? OPERATORS[name] : undefined;
  return definition && { qualifier, ifExists, ...definition };
}

/** Whether a policy may use `operator` (checked when a policy is parsed, so a typo is refused then, not at every call). */
export function isConditionOperator(operator: string): boolean {
  return operatorNamed(operator) !== undefined;
}

/** One operator on one key: `operator` as written in the policy (qualifiers and suffix included). */
function evaluateOne(operator: string, key: string, written: string[], context: ConditionContext, variables: boolean): boolean {
  const values = lookup(context, key);
  const named = operatorNamed(operator);
  if (named === undefined) throw new MalformedPolicyError(`Condition.${operator}`, 'unknown condition operator');
  if (named === 'Null') {
    // "Null": {"k": "true"} holds when k is absent; "false" when it is present.
    const absent = values === undefined || values.length === 0;
    return written.some((v) => (v.toLowerCase() === 'true') === absent);
  }
  const { qualifier, ifExists, compare, negated } = named;
  // A value whose variable the request cannot fill matches nothing (policy-variables.ts).
  const policyValues = variables && named.variables
    // Stryker disable next-line ArrayDeclaration: `["Stryker was here"]` for `[]` differs only for a request value equal to that text (conditions.test.ts kills keeping the value unexpanded, `[v]`)
    ? written.flatMap((v) => expandPolicyVariables(v, context) ?? [])
    : written;
  const matchesOne = (value: string) => {
    const any = policyValues.some((p) => compare(p, value));
    return negated ? !any : any;
  };
  if (values === undefined || values.length === 0) {
    if (qualifier === 'ForAllValues') return true;
    if (qualifier === 'ForAnyValue') return false;
    return ifExists || negated;
  }
  if (qualifier === 'ForAllValues') return values.every(matchesOne);
  if (negated && qualifier === undefined) return values.every(matchesOne);
  return values.some(matchesOne);
}

/**
 * All operators and keys of a Condition block must hold (AND); values within one key are OR'ed.
 * `variables`: expand policy variables (policies of Version 2012-10-17).
 */
export function conditionsHold(block: ConditionBlock, context: ConditionContext, variables = false): boolean {
  return Object.entries(block).every(([operator, keys]) =>
    Object.entries(keys).every(([key, values]) => evaluateOne(operator, key, values, context, variables)));
}
