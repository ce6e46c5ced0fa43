// Tokens of Athena's Hive DDL: words (`backquoted` words too), 'strings' (backslash escapes, as
// Hive reads them), numbers and punctuation. Comments (-- to end of line) are skipped.

import { QueryFailure } from './athena-errors.js';

export type Token = { kind: 'word' | 'string' | 'number' | 'punct'; text: string };

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0' };

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (/\s/.test(c)) i++;
    else if (sql.startsWith('--', i)) i = sql.indexOf('\n', i) < 0 ? sql.length : sql.indexOf('\n', i);
    else if (c === "'" || c === '"') {
      let text = '';
      for (i++; ; i++) {
        if (i >= sql.length) throw new QueryFailure(`line 1:${i}: mismatched input '<EOF>': unterminated string`);
        const d = sql[i]!;
        if (d === '\\' && i + 1 < sql.length) text += ESCAPES[sql[++i]!] ?? sql[i];
        else if (d === c) break;
        else text += d;
      }
      i++;
      tokens.push({ kind: 'string', text });
    } else if (c === '`') {
      const end = sql.indexOf('`', i + 1);
      if (end < 0) throw new QueryFailure('unterminated `identifier`');
      tokens.push({ kind: 'word', text: sql.slice(i + 1, end) });
      i = end + 1;
    } else if (/[A-Za-z_]/.test(c)) {
      const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i))![0];
      tokens.push({ kind: 'word', text: word });
      i += word.length;
    } else if (/[0-9]/.test(c)) {
      const number = /^[0-9]+/.exec(sql.slice(i))![0];
      tokens.push({ kind: 'number', text: number });
      i += number.length;
    } else if ('(),=.<>;'.includes(c)) {
      tokens.push({ kind: 'punct', text: c });
      i++;
    } else {
      throw new QueryFailure(`line 1:${i + 1}: unexpected character '${c}'`);
    }
  }
  while (tokens.at(-1)?.text === ';') tokens.pop();
  return tokens;
}

/** A cursor over tokens, with the expect/accept steps a recursive-descent parser needs. */
export class TokenCursor {
  private at = 0;

  constructor(private readonly tokens: Token[]) {}

  get done(): boolean {
    return this.at >= this.tokens.length;
  }

  peek(): Token | undefined {
    return this.tokens[this.at];
  }

  /** Takes the next tokens if they are these words (case-insensitive) or punctuation. */
  accept(...texts: string[]): boolean {
    const match = texts.every((text, k) => this.tokens[this.at + k]?.text.toLowerCase() === text.toLowerCase()
      && this.tokens[this.at + k]!.kind !== 'string');
    if (match) this.at += texts.length;
    return match;
  }

  expect(...texts: string[]): void {
    if (!this.accept(...texts)) throw this.mismatch(texts.join(' '));
  }

  take(kind: Token['kind'], what: string): string {
    const token = this.tokens[this.at];
    if (token?.kind !== kind) throw this.mismatch(what);
    this.at++;
    return token.text;
  }

  mismatch(expected: string): QueryFailure {
    const token = this.tokens[this.at];
    return new QueryFailure(`line 1:1: mismatched input '${token?.text ?? '<EOF>'}'. Expecting: ${expected}`);
  }
}
