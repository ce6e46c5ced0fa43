// Grants: permissions on one key for one principal (and the operations, constraints and retiring
// principal they name), created, listed, retired and revoked. How a grant allows a call is grants.ts.

import { rootArn, type Caller } from '../policy/index.js';
import { distinctOperations, newGrantIdentifiers, type GrantRecord } from './grants.js';
import { createGrantConditions, grantIsForAwsResource } from './kms-condition-keys.js';
import { requirePrincipal, type KmsCalls } from './kms-calls.js';
import { kmsError } from './kms-errors.js';
import type { KeyRecord } from './key-store.js';
import type {
  CreateGrantRequest, CreateGrantResponse, ListGrantsRequest, ListGrantsResponse, ListRetirableGrantsRequest,
  ListRetirableGrantsResponse, RetireGrantRequest, RetireGrantResponse, RevokeGrantRequest, RevokeGrantResponse,
} from './kms-api-types.js';

function grantEntry(g: GrantRecord, key: KeyRecord) {
  return {
    KeyId: key.arn, GrantId: g.grantId, Name: g.name, CreationDate: new Date(g.creationDate), GranteePrincipal: g.granteePrincipal,
    RetiringPrincipal: g.retiringPrincipal, IssuingAccount: rootArn(g.issuingAccount), Operations: [...g.operations],
    Constraints: g.constraints && structuredClone(g.constraints),
  };
}

export class GrantOperations {
  constructor(private readonly kms: KmsCalls) {}

  createGrant(request: CreateGrantRequest, caller?: Caller): Promise<CreateGrantResponse> {
    const conditions = createGrantConditions(request, caller);
    return this.kms.onKey('CreateGrant', request.KeyId, caller, { grantTokens: request.GrantTokens, conditions }, async (key) => {
      const grantee = requirePrincipal('GranteePrincipal', request.GranteePrincipal);
      const retiring = request.RetiringPrincipal === undefined ? undefined : requirePrincipal('RetiringPrincipal', request.RetiringPrincipal);
      const operations = distinctOperations(request.Operations);
      const constraints = request.Constraints;
      if (request.Name !== undefined && (typeof request.Name !== 'string' || !/^[a-zA-Z0-9:/_-]{1,256}$/.test(request.Name))) {
        throw kmsError('ValidationException', 'Name: expected 1-256 letters, digits or : / _ -');
      }
      // As in AWS, the same name, grantee, operations and constraints return the existing grant.
      const same = this.kms.directory.grantsOf(key.keyId).find((g) => request.Name !== undefined && g.name === request.Name
        && g.granteePrincipal === grantee && JSON.stringify(g.operations) === JSON.stringify(operations)
        && JSON.stringify(g.constraints) === JSON.stringify(constraints));
      if (same) return { GrantId: same.grantId, GrantToken: same.grantToken };
      const grant: GrantRecord = {
        ...newGrantIdentifiers(), keyId: key.keyId, name: request.Name, granteePrincipal: grantee, retiringPrincipal: retiring,
        operations, constraints, issuingAccount: this.kms.account, creationDate: this.kms.clock.now().toISOString(),
      };
      this.kms.tx.insert(this.kms.directory.grants, grant);
      return { GrantId: grant.grantId, GrantToken: grant.grantToken };
    });
  }

  listGrants(request: ListGrantsRequest, caller?: Caller): Promise<ListGrantsResponse> {
    return this.kms.onKey('ListGrants', request.KeyId, caller, { conditions: grantIsForAwsResource(caller) }, async (key) => ({
      Grants: this.kms.directory.grantsOf(key.keyId)
        .filter((g) => (request.GrantId === undefined || g.grantId === request.GrantId)
          && (request.GranteePrincipal === undefined || g.granteePrincipal === request.GranteePrincipal))
        .map((g) => grantEntry(g, key)),
    }));
  }

  listRetirableGrants(request: ListRetirableGrantsRequest, caller?: Caller): Promise<ListRetirableGrantsResponse> {
    return this.kms.call('ListRetirableGrants', caller, undefined, async (who) => {
      const { directory } = this.kms;
      this.kms.authorize({ caller: who, action: 'kms:ListRetirableGrants', resource: '*' });
      const principal = requirePrincipal('RetiringPrincipal', request.RetiringPrincipal);
      return { Grants: [...directory.grants.values()].filter((g) => g.retiringPrincipal === principal).map((g) => grantEntry(g, directory.keyById(g.keyId))) };
    });
  }

  /**
   * Retires a grant, by GrantToken or by KeyId and GrantId. Allowed to the grant's retiring
   * principal, to its grantee if the grant includes RetireGrant, and to the account that issued it.
   */
  retireGrant(request: RetireGrantRequest, caller?: Caller): Promise<RetireGrantResponse> {
    return this.kms.call('RetireGrant', caller, undefined, async (who, event) => {
      const { directory } = this.kms;
      const grant = request.GrantToken !== undefined
        ? directory.grants.lookup('byToken', String(request.GrantToken))[0]
        : directory.grantsOf(request.KeyId === undefined ? undefined : directory.resolveKey(request.KeyId).keyId).find((g) => g.grantId === request.GrantId);
      if (!grant) {
        if (request.GrantToken !== undefined) throw kmsError('InvalidGrantTokenException', 'GrantToken does not name a grant');
        throw kmsError('NotFoundException', 'no grant with that KeyId and GrantId');
      }
      event.keyArn = directory.keyById(grant.keyId).arn;
      event.grantId = grant.grantId;
      const mayRetire = who.principal === grant.retiringPrincipal
        || (who.principal === grant.granteePrincipal && grant.operations.includes('RetireGrant'))
        || who.principal === rootArn(grant.issuingAccount);
      if (!mayRetire) throw kmsError('AccessDeniedException', `User: ${who.principal} may not retire grant ${grant.grantId}`);
      this.kms.tx.remove(directory.grants, grant.grantId);
      return {};
    });
  }

  revokeGrant(request: RevokeGrantRequest, caller?: Caller): Promise<RevokeGrantResponse> {
    return this.kms.onKey('RevokeGrant', request.KeyId, caller, { conditions: grantIsForAwsResource(caller) }, async (key) => {
      const grant = this.kms.directory.grantsOf(key.keyId).find((g) => g.grantId === request.GrantId);
      if (!grant) throw kmsError('NotFoundException', `no grant ${String(request.GrantId)} on ${key.arn}`);
      this.kms.tx.remove(this.kms.directory.grants, grant.grantId);
      return {};
    });
  }
}
