/** The account id of an ARN (`arn:aws:iam::111122223333:user/alice` → `111122223333`), or undefined. */
export function accountOf(arn: string): string | undefined {
  const parts = arn.split(':');
  return parts.length >= 6 && parts[0] === 'arn' && /^\d{12}$/.test(parts[4]!) ? parts[4] : undefined;
}

export const rootArn = (account: string) => `arn:aws:iam::${account}:root`;

export function isPrincipalArn(value: unknown): value is string {
  return typeof value === 'string' && /^arn:aws:(iam|sts)::\d{12}:.+/.test(value);
}
