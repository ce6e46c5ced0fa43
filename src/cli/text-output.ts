// `--output text`, as the AWS CLI writes it (awscli/formatter.py, TextFormatter): an object's
// scalar values on one line, tab-separated in key order, prefixed by its key in capitals when it is
// nested; lists of scalars on one line; nested objects and lists of objects on lines of their own.

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

function rows(value: Json, identifier: string | undefined, out: string[]): void {
  if (Array.isArray(value)) {
    if (value.length === 0) return;
    if (value.every((v) => typeof v !== 'object' || v === null)) out.push([identifier, ...value.map(String)].filter((v) => v !== undefined).join('\t'));
    else value.forEach((item) => rows(item, identifier, out));
    return;
  }
  if (typeof value !== 'object' || value === null) {
    out.push(String(value));
    return;
  }
  const keys = Object.keys(value).sort();
  const scalars = keys.filter((k) => typeof value[k] !== 'object' || value[k] === null);
  if (scalars.length > 0) out.push([identifier, ...scalars.map((k) => String(value[k]))].filter((v) => v !== undefined).join('\t'));
  for (const key of keys.filter((k) => typeof value[k] === 'object' && value[k] !== null)) rows(value[key]!, key.toUpperCase(), out);
}

export function formatText(response: unknown): string {
  const out: string[] = [];
  rows(response as Json, undefined, out);
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}
