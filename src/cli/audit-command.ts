// `kms-wasm audit verify|show`: the local key store's audit trail. verify checks the HMAC chain
// (an edited, removed or reordered record breaks it; a damaged line is refused by the store as a
// StoreIntegrityError); show prints the records, optionally since a time and for one key. The store
// is opened read-only, so both run beside a writer (a running kms-wasm serve).

import { readFile } from 'node:fs/promises';
import type { KeyManagementService } from '../kms/key-management-service.js';
import type { AuditHead } from '../kms/key-store.js';
import { exitCodeOf, openLocalKms, parseOptions, STORE_HELP, STORE_OPTIONS, UsageError } from './command-line.js';

const HELP = `usage: kms-wasm audit verify|show [options]

  verify             check the trail's HMAC chain; exit 0 and {"Valid": true, "Records": N, "Head": {…}}
                     when intact, exit 1 naming the first record that does not verify
  --anchor JSON|file://F  (verify) a Head an earlier verify printed, kept where this store's writer cannot
                     change it: a trail cut back before it or rewritten since fails too
  show               print the records as JSON ({"Records": [...]}, oldest first)
  --since ISO        (show) only records at or after this time, e.g. 2026-12-01T00:00:00Z
  --key-id KEY       (show) only records of this key (key id, ARN or alias)
${STORE_HELP}

examples:
  kms-wasm audit verify --dir ./kms-wasm-data > head.json   # keep head.json elsewhere
  kms-wasm audit verify --anchor "$(jq -c .Head head.json)"
  kms-wasm audit show --key-id alias/backups --since 2026-12-01T00:00:00Z`;

/** An anchor as `verify` printed its Head: {"count": N, "mac": "<64 hex>"} (the library checks its shape). */
async function parseAnchor(text: string | undefined): Promise<AuditHead | undefined> {
  if (text === undefined) return undefined;
  try {
    const json = text.startsWith('file://') ? await readFile(text.slice('file://'.length), 'utf8') : text;
    const { count, mac } = JSON.parse(json) as AuditHead;
    if (!Number.isSafeInteger(count) || count < 0 || typeof mac !== 'string' || !/^[0-9a-f]{64}$/.test(mac)) throw new Error('shape');
    return { count, mac };
  } catch {
    throw new UsageError('--anchor: expected the Head that audit verify printed, {"count": N, "mac": "…"}, or file://FILE holding it');
  }
}

async function verify(kms: KeyManagementService, anchor: AuditHead | undefined): Promise<number> {
  const result = await kms.verifyAuditTrail({ anchor });
  if (!result.valid) {
    process.stderr.write(`kms-wasm audit verify: the audit trail does not verify from record ${result.firstInvalidIndex} of ${result.records} (edited, removed or reordered)\n`);
    return 1;
  }
  const head = { count: result.checkpoint!.count, mac: result.checkpoint!.mac }; // where a valid verification ended
  process.stdout.write(`${JSON.stringify({ Valid: true, Records: result.records, Head: head }, null, 4)}\n`);
  return 0;
}

export function runAudit(args: string[]): Promise<number> {
  return exitCodeOf('kms-wasm audit', HELP, async () => {
    const { values, positionals } = parseOptions({
      args, strict: true, allowPositionals: true,
      options: { anchor: { type: 'string' }, since: { type: 'string' }, 'key-id': { type: 'string' }, help: { type: 'boolean', short: 'h' }, ...STORE_OPTIONS },
    });
    if (values.help) {
      process.stdout.write(`${HELP}\n`);
      return 0;
    }
    const [action, ...extra] = positionals;
    if (action !== 'verify' && action !== 'show') throw new UsageError(`expected verify or show, got ${action === undefined ? 'nothing' : `"${action}"`}`);
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
    const since = values.since === undefined ? undefined : new Date(values.since);
    if (since && Number.isNaN(since.getTime())) throw new UsageError(`--since: expected an ISO 8601 time, got ${values.since}`);
    if (action === 'verify' && (since || values['key-id'])) throw new UsageError('--since and --key-id are for show; verify checks the whole trail');
    if (action === 'show' && values.anchor !== undefined) throw new UsageError('--anchor is for verify');
    const anchor = await parseAnchor(values.anchor);
    const { kms, store } = openLocalKms(values, true);
    try {
      if (action === 'verify') return await verify(kms, anchor);
      const records = await kms.listAuditRecords({ KeyId: values['key-id'], StartTime: since });
      process.stdout.write(`${JSON.stringify({ Records: records }, null, 4)}\n`);
      return 0;
    } finally {
      await store.close();
    }
  });
}
