// `kms-wasm kms <operation> [options]`: one KMS operation on the local key store, named and spelled
// as `aws kms` names it, answering with the JSON the service answers with (the same translation:
// blobs base64, dates epoch seconds). See kms-operations.ts for where the operations come from.

import { readFile } from 'node:fs/promises';
import type { ParseArgsConfig } from 'node:util';
import { bytesToBase64, base64ToBytesOrUndefined } from '../core/base64.js';
import { invokeKmsOperation } from '../service/kms-json-api.js';
import { requestFromJson } from '../service/kms-wire-shapes.js';
import { exitCodeOf, openLocalKms, parseOptions, STORE_HELP, STORE_OPTIONS, UsageError } from './command-line.js';
import { CLI_OPERATIONS, type CliOperation, type OperationMember } from './kms-operations.js';
import { invokeRemoteKms } from './remote-kms.js';
import { formatText } from './text-output.js';

const COMMON_HELP = `${STORE_HELP}
  --endpoint-url URL               send the operation to a running KMS (kms-wasm serve) instead, signed with the
                                   AWS SDK's default credentials (AWS_ACCESS_KEY_ID…, AWS_PROFILE); --region is its region
  --cli-input-json JSON|file://F   the request as JSON (the API's member names; blobs base64); options override it
  --output json|text               json (default): the AWS response; text: its values, tab-separated, as aws --output text
  --query PATH                     only this member of the response, a dotted path (KeyMetadata.KeyId): the
                                   plain-path subset of the AWS CLI's JMESPath --query`;

const HELP = `usage: kms-wasm kms <operation> [options]

Runs one AWS KMS operation on the local key store; options and JSON output as \`aws kms\`.
Exit codes: 0 done, 1 refused or failed (the AWS error on stderr), 2 usage error.

operations:
${[...CLI_OPERATIONS.keys()].map((c) => `  ${c}`).join('\n')}

options of every operation:
${COMMON_HELP}

examples:
  kms-wasm kms create-key --description "backups"
  kms-wasm kms create-alias --alias-name alias/backups --target-key-id 1234abcd-12ab-34cd-56ef-1234567890ab
  kms-wasm kms encrypt --key-id alias/backups --plaintext fileb://secret.txt --encryption-context app=backup
  kms-wasm kms decrypt --ciphertext-blob fileb://secret.enc --encryption-context '{"app":"backup"}'
  kms-wasm kms generate-random --number-of-bytes 32 --output text
  kms-wasm kms list-keys --endpoint-url http://127.0.0.1:4566

kms-wasm kms <operation> --help for its options`;

const PLACEHOLDER: Record<OperationMember['kind'], string> = {
  string: 'VALUE', blob: 'fileb://FILE', boolean: '', number: 'N', timestamp: '2030-01-01T00:00:00Z',
  'string-list': 'VALUE …', 'string-map': 'k=v,k2=v2', json: "'JSON'",
};

function operationHelp(op: CliOperation): string {
  const placeholder = (m: OperationMember) => (m.member === 'KeyId' || m.member.endsWith('KeyId') ? 'alias/my-key' : PLACEHOLDER[m.kind]);
  const option = (m: OperationMember) => `--${m.option}${m.kind === 'boolean' ? ` | --no-${m.option}` : ` ${PLACEHOLDER[m.kind]}`}`;
  const example = ['kms-wasm kms', op.command, ...op.members.filter((m) => m.required).map((m) => `--${m.option} ${placeholder(m)}`)].join(' ');
  return `usage: kms-wasm kms ${op.command} [options]   (AWS KMS ${op.operation})

options (* required):
${op.members.map((m) => `  ${m.required ? '*' : ' '} ${option(m)}`).join('\n')}
${COMMON_HELP}

example:
  ${example}`;
}

/** file://F: the file's text; fileb://F: its bytes (blobs only); else the text itself (base64, for blobs). */
async function readArgument(option: string, text: string, binary: boolean): Promise<string> {
  const path = (prefix: string) => (text.startsWith(prefix) ? text.slice(prefix.length) : undefined);
  const fileb = path('fileb://');
  const file = path('file://');
  try {
    if (fileb !== undefined) {
      if (!binary) throw new UsageError(`--${option}: fileb:// is for binary parameters; use file://`);
      const bytes = await readFile(fileb);
      const base64 = bytesToBase64(bytes);
      bytes.fill(0);
      return base64;
    }
    if (file !== undefined) return await readFile(file, 'utf8');
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`--${option}: cannot read ${fileb ?? file}: ${(error as Error).message}`);
  }
  if (binary && !base64ToBytesOrUndefined(text)) throw new UsageError(`--${option}: expected base64 or fileb://FILE`);
  return text;
}

function parseJson(option: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`--${option}: expected JSON, got ${text.length > 40 ? `${text.slice(0, 40)}…` : text}`);
  }
}

/** k=v,k2=v2 (the AWS CLI's shorthand) or a JSON object of strings. */
function parseMap(option: string, text: string): Record<string, string> {
  if (text.trimStart().startsWith('{')) {
    const map = parseJson(option, text);
    if (typeof map !== 'object' || map === null || Array.isArray(map) || Object.values(map).some((v) => typeof v !== 'string')) {
      throw new UsageError(`--${option}: expected a JSON object of strings`);
    }
    return map as Record<string, string>;
  }
  return Object.fromEntries(text.split(',').map((pair) => {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`--${option}: expected key=value pairs separated by commas, got "${pair}"`);
    return [pair.slice(0, at), pair.slice(at + 1)];
  }));
}

async function memberValue(m: OperationMember, texts: string[]): Promise<unknown> {
  if (m.kind === 'string-list') {
    const items = await Promise.all(texts.map((t) => readArgument(m.option, t, false)));
    return items.flatMap((t) => (t.trimStart().startsWith('[') ? parseJson(m.option, t) as unknown[] : t.split(',')));
  }
  if (texts.length > 1) throw new UsageError(`--${m.option}: given more than once`);
  const text = await readArgument(m.option, texts[0]!, m.kind === 'blob');
  switch (m.kind) {
    case 'number':
      if (!/^-?\d+$/.test(text.trim())) throw new UsageError(`--${m.option}: expected an integer, got ${text}`);
      return Number(text);
    case 'timestamp': {
      const seconds = /^\d+(\.\d+)?$/.test(text) ? Number(text) : Date.parse(text) / 1000;
      if (!Number.isFinite(seconds)) throw new UsageError(`--${m.option}: expected an ISO 8601 date or epoch seconds, got ${text}`);
      return seconds;
    }
    case 'string-map': return parseMap(m.option, text);
    case 'json': return parseJson(m.option, text);
    default: return text;
  }
}

/** The request in the API's JSON shape, from --cli-input-json and the options. */
async function wireRequest(op: CliOperation, args: string[]): Promise<{ request: Record<string, unknown>; values: Record<string, unknown> }> {
  const memberOptions: NonNullable<ParseArgsConfig['options']> = Object.fromEntries(op.members.flatMap((m): Array<[string, { type: 'boolean' | 'string'; multiple?: boolean }]> => (m.kind === 'boolean'
    ? [[m.option, { type: 'boolean' }], [`no-${m.option}`, { type: 'boolean' }]]
    : [[m.option, { type: 'string', multiple: true }]])));
  const { values: parsed, tokens } = parseOptions({
    args, strict: true, allowPositionals: true, tokens: true,
    options: { ...memberOptions, ...STORE_OPTIONS, 'cli-input-json': { type: 'string' }, 'endpoint-url': { type: 'string' }, output: { type: 'string', default: 'json' }, query: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const values = parsed as Record<string, string[] | string | boolean | undefined>;
  // A list option takes the values after it, as the AWS CLI's do (--operations Encrypt Decrypt).
  let lastOption: string | undefined;
  for (const token of tokens) {
    if (token.kind === 'option') lastOption = token.name;
    else if (token.kind === 'positional') {
      const list = op.members.find((m) => m.option === lastOption && m.kind === 'string-list');
      if (!list) throw new UsageError(`unexpected argument "${token.value}"`);
      (values[list.option] as string[]).push(token.value);
    }
  }
  const input = values['cli-input-json'] as string | undefined;
  const request = input === undefined ? {} : parseJson('cli-input-json', await readArgument('cli-input-json', input, false));
  if (typeof request !== 'object' || request === null || Array.isArray(request)) throw new UsageError('--cli-input-json: expected a JSON object');
  const known = new Set(op.members.map((m) => m.member));
  const unknown = Object.keys(request).find((k) => !known.has(k));
  if (unknown) throw new UsageError(`--cli-input-json: ${op.operation} has no parameter ${unknown}`);
  for (const m of op.members) {
    if (m.kind === 'boolean') {
      if (values[m.option] && values[`no-${m.option}`]) throw new UsageError(`--${m.option} and --no-${m.option} contradict each other`);
      if (values[m.option] || values[`no-${m.option}`]) (request as Record<string, unknown>)[m.member] = values[m.option] === true;
    } else if (values[m.option] !== undefined) {
      (request as Record<string, unknown>)[m.member] = await memberValue(m, values[m.option] as string[]);
    }
  }
  const missing = op.members.find((m) => m.required && (request as Record<string, unknown>)[m.member] === undefined);
  if (missing && !values.help) throw new UsageError(`--${missing.option} is required`);
  return { request: request as Record<string, unknown>, values };
}

/** The response body: from the local store, or with --endpoint-url from a running KMS. */
async function answer(op: CliOperation, request: Record<string, unknown>, values: Record<string, unknown>): Promise<string> {
  const options = values as { dir?: string; account: string; region: string; 'endpoint-url'?: string };
  if (options['endpoint-url'] !== undefined) {
    if (options.dir !== undefined) throw new UsageError('--dir and --endpoint-url: give one, the local store or the service');
    return invokeRemoteKms(options['endpoint-url'], options.region, op.operation, requestFromJson(request));
  }
  const { kms, store } = openLocalKms(options);
  try {
    return await invokeKmsOperation(kms, op.operation, requestFromJson(request), undefined);
  } finally {
    await store.close();
  }
}

export async function runKms(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '-h') {
    process.stdout.write(`${HELP}\n`);
    return name === undefined ? 2 : 0;
  }
  const op = CLI_OPERATIONS.get(name);
  if (!op) {
    process.stderr.write(`kms-wasm kms: unknown operation "${name}"\n\n${HELP}\n`);
    return 2;
  }
  const help = operationHelp(op);
  return exitCodeOf(`kms-wasm kms ${op.command}`, help, async () => {
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(`${help}\n`);
      return 0;
    }
    const { request, values } = await wireRequest(op, rest);
    if (values.output !== 'json' && values.output !== 'text') throw new UsageError(`--output: expected json or text, got ${String(values.output)}`);
    const query = values.query as string | undefined;
    if (query !== undefined && !/^[A-Za-z]\w*(\.[A-Za-z]\w*)*$/.test(query)) throw new UsageError(`--query: only a dotted member path such as KeyMetadata.KeyId is supported, got ${query}`);
    const response = JSON.parse(await answer(op, request, values)) as Record<string, unknown>;
    // The AWS CLI pages through list operations itself and prints the merged result without the
    // paging members (botocore's paginator: "more_results" Truncated, "output_token" NextMarker).
    if (op.operation.startsWith('List')) {
      delete response.Truncated;
      delete response.NextMarker;
    }
    // A path that leads nowhere is null, as JMESPath has it.
    const selected = query === undefined ? response
      : query.split('.').reduce<unknown>((value, member) => (value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[member] ?? null : null), response);
    process.stdout.write(values.output === 'text' ? formatText(selected) : query === undefined && Object.keys(response).length === 0 ? '' : `${JSON.stringify(selected, null, 4)}\n`);
    return 0;
  }, () => op.operation);
}
