// `kms-wasm kms <operation>` as a subprocess against the library on the same key store: every
// operation the CLI offers is run here (the test fails when one is added and not covered), and its
// JSON is the library's response for the same call in the AWS JSON shape (blobs base64, dates epoch
// seconds, a top-level KeyId as an ARN, Truncated on lists — AWS KMS API Reference, each operation's
// "Response Syntax"), or its effect is checked through the library where the answer is random.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI_OPERATIONS } from '../../src/cli/kms-operations.js';
import { temporaryDirectories } from '../helpers/temp-dirs.js';
import { cli, withLibrary } from './cli-run.js';

const newDirectory = temporaryDirectories('kms-wasm-cli-kms-');
const ACCOUNT = '111122223333';
const arn = (keyId: string) => `arn:aws:kms:us-east-1:${ACCOUNT}:key/${keyId}`;
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const bytesOf = (base64: string) => new Uint8Array(Buffer.from(base64, 'base64'));

/** The library's response as AWS's JSON protocol writes it (the AWS CLI leaves out list operations' paging members, Truncated and NextMarker). */
function wire(response: object): unknown {
  const top: Record<string, unknown> = { ...response };
  if (typeof top.KeyId === 'string' && !top.KeyId.startsWith('arn:')) top.KeyId = arn(top.KeyId);
  return JSON.parse(JSON.stringify(top, function replacer(this: Record<string, unknown>, key, value: unknown) {
    if (this[key] instanceof Date) return (this[key] as Date).getTime() / 1000;
    return value instanceof Uint8Array ? b64(value) : value;
  }));
}

describe('kms-wasm kms <operation>', () => {
  const dir = newDirectory();
  const covered = new Set<string>();
  const kms = (operation: string, ...args: string[]) => {
    covered.add(operation);
    const ran = cli(['kms', operation, '--dir', dir, ...args]);
    expect(ran.code, `${operation}: ${ran.stderr}`).toBe(0);
    return ran.stdout.length === 0 ? {} : ran.json();
  };
  const file = (name: string, content: string | Uint8Array) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };

  afterAll(() => {
    expect([...CLI_OPERATIONS.keys()].filter((op) => !covered.has(op))).toEqual([]);
  });

  it('keys, descriptions, tags: the JSON is the library\'s', async () => {
    const created = kms('create-key', '--description', 'from the CLI', '--tags', '[{"TagKey":"team","TagValue":"ops"}]');
    const keyId = created.KeyMetadata.KeyId;
    expect(created).toEqual(await withLibrary(dir, async (lib) => wire(await lib.describeKey({ KeyId: keyId }))));
    expect(kms('describe-key', '--key-id', keyId)).toEqual(await withLibrary(dir, async (lib) => wire(await lib.describeKey({ KeyId: keyId }))));
    expect(kms('list-keys')).not.toHaveProperty('Truncated');
    expect(kms('list-keys')).toEqual(await withLibrary(dir, async (lib) => wire(await lib.listKeys())));
    expect(kms('update-key-description', '--key-id', keyId, '--description', 'renamed')).toEqual({});
    kms('tag-resource', '--key-id', keyId, '--tags', '[{"TagKey":"env","TagValue":"test"}]');
    kms('untag-resource', '--key-id', keyId, '--tag-keys', 'team');
    expect(kms('list-resource-tags', '--key-id', keyId)).toEqual(await withLibrary(dir, async (lib) => wire(await lib.listResourceTags({ KeyId: keyId }))));
    expect(kms('list-resource-tags', '--key-id', keyId).Tags).toEqual([{ TagKey: 'env', TagValue: 'test' }]);
    expect(kms('disable-key', '--key-id', keyId)).toEqual({});
    expect(await withLibrary(dir, async (lib) => (await lib.describeKey({ KeyId: keyId })).KeyMetadata)).toMatchObject({ KeyState: 'Disabled', Description: 'renamed' });
    kms('enable-key', '--key-id', keyId);
    const scheduled = kms('schedule-key-deletion', '--key-id', keyId, '--pending-window-in-days', '7');
    expect(scheduled).toEqual(await withLibrary(dir, async (lib) => {
      const { KeyMetadata } = await lib.describeKey({ KeyId: keyId });
      return wire({ KeyId: KeyMetadata.Arn, DeletionDate: KeyMetadata.DeletionDate, KeyState: 'PendingDeletion', PendingWindowInDays: 7 });
    }));
    expect(kms('cancel-key-deletion', '--key-id', keyId)).toEqual({ KeyId: arn(keyId) });
  });

  it('aliases, key policies and rotation', async () => {
    const [one, two] = [kms('create-key').KeyMetadata.KeyId, kms('create-key').KeyMetadata.KeyId];
    kms('create-alias', '--alias-name', 'alias/cli', '--target-key-id', one);
    kms('update-alias', '--alias-name', 'alias/cli', '--target-key-id', two);
    expect(kms('list-aliases', '--key-id', two)).toEqual(await withLibrary(dir, async (lib) => wire(await lib.listAliases({ KeyId: two }))));
    expect(kms('list-aliases').Aliases.map((a: { AliasName: string }) => a.AliasName)).toContain('alias/cli');
    kms('delete-alias', '--alias-name', 'alias/cli');
    expect(kms('list-aliases').Aliases.map((a: { AliasName: string }) => a.AliasName)).not.toContain('alias/cli');

    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'root', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }] });
    kms('put-key-policy', '--key-id', one, '--policy', `file://${file('policy.json', policy)}`);
    expect(kms('get-key-policy', '--key-id', one)).toEqual(await withLibrary(dir, async (lib) => wire(await lib.getKeyPolicy({ KeyId: one }))));
    expect(kms('get-key-policy', '--key-id', one).Policy).toBe(policy);

    kms('enable-key-rotation', '--key-id', one, '--rotation-period-in-days', '90');
    expect(kms('get-key-rotation-status', '--key-id', one)).toEqual(await withLibrary(dir, async (lib) => wire(await lib.getKeyRotationStatus({ KeyId: one }))));
    expect(kms('get-key-rotation-status', '--key-id', one)).toMatchObject({ KeyRotationEnabled: true, RotationPeriodInDays: 90 });
    expect(kms('rotate-key-on-demand', '--key-id', one)).toEqual({ KeyId: arn(one) });
    expect(kms('list-key-rotations', '--key-id', one)).toEqual(await withLibrary(dir, async (lib) => wire(await lib.listKeyRotations({ KeyId: one }))));
    kms('disable-key-rotation', '--key-id', one);
    expect(kms('get-key-rotation-status', '--key-id', one).KeyRotationEnabled).toBe(false);
  });

  it('encrypt, decrypt, re-encrypt, data keys and random bytes interoperate with the library', async () => {
    const [one, two] = [kms('create-key').KeyMetadata.KeyId, kms('create-key').KeyMetadata.KeyId];
    const secret = new TextEncoder().encode('a secret from the CLI');
    const encrypted = kms('encrypt', '--key-id', one, '--plaintext', `fileb://${file('secret', secret)}`, '--encryption-context', 'app=cli,stage=test');
    expect(encrypted).toMatchObject({ KeyId: arn(one), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' });
    await withLibrary(dir, async (lib) => {
      expect((await lib.decrypt({ CiphertextBlob: bytesOf(encrypted.CiphertextBlob), EncryptionContext: { app: 'cli', stage: 'test' } })).Plaintext).toEqual(secret);
    });
    const fromLibrary = await withLibrary(dir, (lib) => lib.encrypt({ KeyId: two, Plaintext: secret.slice(), EncryptionContext: { a: 'b' } }));
    const decrypted = kms('decrypt', '--ciphertext-blob', `fileb://${file('lib.bin', fromLibrary.CiphertextBlob)}`, '--encryption-context', '{"a":"b"}');
    expect(decrypted).toEqual({ KeyId: arn(two), Plaintext: b64(secret), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' });
    // A blob given as text is base64, as the AWS CLI v2 takes it.
    expect(kms('decrypt', '--ciphertext-blob', encrypted.CiphertextBlob, '--encryption-context', 'app=cli,stage=test').Plaintext).toBe(b64(secret));

    const reEncrypted = kms('re-encrypt', '--ciphertext-blob', `fileb://${file('one.bin', bytesOf(encrypted.CiphertextBlob))}`,
      '--source-encryption-context', 'app=cli,stage=test', '--destination-key-id', two, '--destination-encryption-context', 'moved=yes');
    expect(reEncrypted).toMatchObject({ KeyId: arn(two), SourceKeyId: arn(one) });
    await withLibrary(dir, async (lib) => {
      expect((await lib.decrypt({ CiphertextBlob: bytesOf(reEncrypted.CiphertextBlob), EncryptionContext: { moved: 'yes' } })).Plaintext).toEqual(secret);
    });

    const dataKey = kms('generate-data-key', '--key-id', one, '--key-spec', 'AES_256', '--encryption-context', 'k=v');
    const withoutPlaintext = kms('generate-data-key-without-plaintext', '--key-id', one, '--number-of-bytes', '24');
    await withLibrary(dir, async (lib) => {
      expect(b64((await lib.decrypt({ CiphertextBlob: bytesOf(dataKey.CiphertextBlob), EncryptionContext: { k: 'v' } })).Plaintext)).toBe(dataKey.Plaintext);
      expect((await lib.decrypt({ CiphertextBlob: bytesOf(withoutPlaintext.CiphertextBlob) })).Plaintext).toHaveLength(24);
    });
    expect(bytesOf(dataKey.Plaintext)).toHaveLength(32);
    expect(withoutPlaintext).not.toHaveProperty('Plaintext');
    expect(bytesOf(kms('generate-random', '--number-of-bytes', '16').Plaintext)).toHaveLength(16);
  });

  it('grants', async () => {
    const keyId = kms('create-key').KeyMetadata.KeyId;
    const grantee = `arn:aws:iam::${ACCOUNT}:role/reader`;
    const retiring = `arn:aws:iam::${ACCOUNT}:role/retirer`;
    const first = kms('create-grant', '--key-id', keyId, '--grantee-principal', grantee, '--retiring-principal', retiring, '--operations', 'Encrypt', 'Decrypt', '--name', 'one');
    const second = kms('create-grant', '--key-id', keyId, '--grantee-principal', grantee, '--operations', 'Decrypt');
    expect(kms('list-grants', '--key-id', keyId)).toEqual(await withLibrary(dir, async (lib) => wire(await lib.listGrants({ KeyId: keyId }))));
    expect(kms('list-grants', '--key-id', keyId).Grants.find((g: { GrantId: string }) => g.GrantId === first.GrantId).Operations).toEqual(['Encrypt', 'Decrypt']);
    expect(kms('list-retirable-grants', '--retiring-principal', retiring)).toEqual(
      await withLibrary(dir, async (lib) => wire(await lib.listRetirableGrants({ RetiringPrincipal: retiring }))));
    expect(kms('retire-grant', '--grant-token', first.GrantToken)).toEqual({});
    expect(kms('revoke-grant', '--key-id', keyId, '--grant-id', second.GrantId)).toEqual({});
    expect(kms('list-grants', '--key-id', keyId).Grants).toEqual([]);
  });

  it('imported key material', async () => {
    const keyId = kms('create-key', '--origin', 'EXTERNAL').KeyMetadata.KeyId;
    const parameters = kms('get-parameters-for-import', '--key-id', keyId, '--wrapping-algorithm', 'RSAES_OAEP_SHA_256', '--wrapping-key-spec', 'RSA_2048');
    expect(parameters).toMatchObject({ KeyId: arn(keyId) });
    const publicKey = await crypto.subtle.importKey('spki', bytesOf(parameters.PublicKey), { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['encrypt']);
    const wrapped = new Uint8Array(await crypto.subtle.encrypt({ name: 'RSA-OAEP' }, publicKey, crypto.getRandomValues(new Uint8Array(32))));
    kms('import-key-material', '--key-id', keyId, '--import-token', `fileb://${file('token', bytesOf(parameters.ImportToken))}`,
      '--encrypted-key-material', `fileb://${file('material', wrapped)}`, '--expiration-model', 'KEY_MATERIAL_DOES_NOT_EXPIRE');
    expect(kms('describe-key', '--key-id', keyId).KeyMetadata.KeyState).toBe('Enabled');
    kms('delete-imported-key-material', '--key-id', keyId);
    expect(kms('describe-key', '--key-id', keyId).KeyMetadata.KeyState).toBe('PendingImport');
  });

  it('--cli-input-json is the request in the API shape; options override it; --output text prints the values', () => {
    const keyId = kms('create-key').KeyMetadata.KeyId;
    const input = file('input.json', JSON.stringify({ KeyId: 'alias/none', Plaintext: b64(new Uint8Array([1, 2, 3])), EncryptionContext: { x: 'y' } }));
    const encrypted = kms('encrypt', '--cli-input-json', `file://${input}`, '--key-id', keyId);
    expect(encrypted.KeyId).toBe(arn(keyId));
    expect(kms('decrypt', '--cli-input-json', JSON.stringify({ CiphertextBlob: encrypted.CiphertextBlob, EncryptionContext: { x: 'y' } })).Plaintext).toBe('AQID');
    const text = cli(['kms', 'get-key-rotation-status', '--dir', dir, '--key-id', keyId, '--output', 'text']);
    expect(text.stdout.toString()).toBe(`${arn(keyId)}\tfalse\n`);
    const query = (path: string, output = 'text') => cli(['kms', 'describe-key', '--dir', dir, '--key-id', keyId, '--query', path, '--output', output]).stdout.toString();
    expect(query('KeyMetadata.KeyId')).toBe(`${keyId}\n`);
    expect(query('KeyMetadata.EncryptionAlgorithms')).toBe('SYMMETRIC_DEFAULT\n');
    expect(query('KeyMetadata.Enabled', 'json')).toBe('true\n');
    expect(query('KeyMetadata.Nothing', 'json')).toBe('null\n');
  });

  it('a refused call exits 1 with the AWS error name and message on stderr, and changes nothing', () => {
    const ran = cli(['kms', 'describe-key', '--dir', dir, '--key-id', 'alias/missing']);
    expect(ran.code).toBe(1);
    expect(ran.stderr).toMatch(/^An error occurred \(NotFoundException\) when calling the DescribeKey operation: .*alias\/missing/);
    expect(ran.stdout.length).toBe(0);
  });

  it('usage errors exit 2 and name the argument', () => {
    const cases: Array<[string[], RegExp]> = [
      [['kms', 'encrypt', '--key-id', 'k'], /--plaintext is required/],
      [['kms', 'encrypt', '--key-id', 'k', '--plaintext', 'not base64!'], /--plaintext: expected base64 or fileb:\/\/FILE/],
      [['kms', 'encrypt', '--key-id', 'k', '--plaintext', 'fileb:///no/such/file'], /--plaintext: cannot read/],
      [['kms', 'describe-key', '--key-id', 'k', '--bogus'], /--bogus/],
      [['kms', 'generate-random', '--number-of-bytes', 'many'], /--number-of-bytes: expected an integer/],
      [['kms', 'encrypt', '--key-id', 'k', '--plaintext', 'AQID', '--encryption-context', 'novalue'], /--encryption-context: expected key=value/],
      [['kms', 'create-key', '--tags', '{oops'], /--tags: expected JSON/],
      [['kms', 'list-keys', '--output', 'yaml'], /--output: expected json or text/],
      [['kms', 'list-keys', '--cli-input-json', '{"Nope":1}'], /--cli-input-json: ListKeys has no parameter Nope/],
      [['kms', 'list-keys', 'stray'], /unexpected argument "stray"/],
      [['kms', 'list-keys', '--query', 'Keys[0].KeyId'], /--query: only a dotted member path/],
      [['kms', 'frobnicate'], /unknown operation "frobnicate"/],
      [['kms', 'list-keys', '--account', '12'], /--account: expected a 12-digit account id/],
    ];
    for (const [args, message] of cases) {
      const ran = cli([...args.slice(0, 2), '--dir', dir, ...args.slice(2)]);
      expect(ran.code, args.join(' ')).toBe(2);
      expect(ran.stderr, args.join(' ')).toMatch(message);
    }
    const help = cli(['kms', 'create-grant', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout.toString()).toMatch(/\* --operations VALUE …[\s\S]*example:\n {2}kms-wasm kms create-grant --key-id alias\/my-key --operations VALUE …/);
    expect(cli(['kms', '--help']).stdout.toString()).toContain('generate-data-key-without-plaintext');
  });
});
