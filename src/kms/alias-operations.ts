// Aliases: friendly names (alias/…) for keys, which requests may use wherever they name a key.

import type { Caller } from '../policy/index.js';
import type { KmsCalls } from './kms-calls.js';
import { kmsError } from './kms-errors.js';
import type {
  CreateAliasRequest, CreateAliasResponse, DeleteAliasRequest, DeleteAliasResponse, ListAliasesRequest, ListAliasesResponse,
  UpdateAliasRequest, UpdateAliasResponse,
} from './kms-api-types.js';

const ALIAS_PATTERN = /^alias\/[a-zA-Z0-9/_-]+$/;

function checkAliasName(name: unknown): string {
  if (typeof name !== 'string' || !ALIAS_PATTERN.test(name) || name.length > 256) {
    throw kmsError('InvalidAliasNameException', `AliasName: expected "alias/" followed by letters, digits, / _ or -, got ${String(name)}`);
  }
  if (name.startsWith('alias/aws/')) throw kmsError('InvalidAliasNameException', `${name}: the alias/aws/ prefix is reserved for AWS managed keys`);
  return name;
}

export class AliasOperations {
  constructor(private readonly kms: KmsCalls) {}

  createAlias(request: CreateAliasRequest, caller?: Caller): Promise<CreateAliasResponse> {
    return this.kms.onKey('CreateAlias', request.TargetKeyId, caller, { customerManaged: true }, async (key) => {
      const { directory, tx, clock } = this.kms;
      const name = checkAliasName(request.AliasName);
      if (directory.aliases.get(name)) throw kmsError('AlreadyExistsException', `${name} already exists`);
      tx.insert(directory.aliases, { aliasName: name, targetKeyId: key.keyId, creationDate: clock.now().toISOString() });
      return {};
    });
  }

  updateAlias(request: UpdateAliasRequest, caller?: Caller): Promise<UpdateAliasResponse> {
    return this.kms.onKey('UpdateAlias', request.TargetKeyId, caller, { customerManaged: true }, async (key) => {
      const { directory } = this.kms;
      const alias = directory.findAlias(checkAliasName(request.AliasName));
      const current = directory.keyById(alias.targetKeyId);
      this.kms.authorize({ caller: caller ?? this.kms.root(), action: 'kms:UpdateAlias', resource: current.arn, keyPolicy: directory.policyOf(current) });
      this.kms.tx.edit(directory.aliases, alias.aliasName).targetKeyId = key.keyId;
      return {};
    });
  }

  deleteAlias(request: DeleteAliasRequest, caller?: Caller): Promise<DeleteAliasResponse> {
    return this.kms.call('DeleteAlias', caller, undefined, async (who) => {
      const { directory } = this.kms;
      const name = checkAliasName(request.AliasName);
      const alias = directory.findAlias(name);
      const key = directory.keyById(alias.targetKeyId);
      this.kms.authorize({ caller: who, action: 'kms:DeleteAlias', resource: key.arn, keyPolicy: directory.policyOf(key) });
      this.kms.tx.remove(directory.aliases, name);
      return {};
    });
  }

  listAliases(request: ListAliasesRequest, caller?: Caller): Promise<ListAliasesResponse> {
    return this.kms.call('ListAliases', caller, undefined, async (who) => {
      const { directory } = this.kms;
      this.kms.authorize({ caller: who, action: 'kms:ListAliases', resource: '*' });
      const keyId = request.KeyId === undefined ? undefined : directory.resolveKey(request.KeyId).keyId;
      return {
        Aliases: (keyId === undefined ? [...directory.aliases.values()] : directory.aliases.lookup('byKey', keyId)).map((a) => ({
          AliasName: a.aliasName, AliasArn: directory.aliasArn(a.aliasName), TargetKeyId: a.targetKeyId, CreationDate: new Date(a.creationDate),
        })),
      };
    });
  }
}
