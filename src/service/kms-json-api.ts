// AWS KMS over AWS JSON 1.1: `POST /` with `X-Amz-Target: TrentService.<Operation>`, each operation
// one method of the library's KeyManagementService called as the request's caller. Errors are
// `{"__type": "<Exception>", "message": …}`; every exception the library throws is a client error,
// HTTP 400 in the AWS KMS API Reference (each operation's "Errors" section and "Common Errors").

import { KmsError } from '../kms/kms-errors.js';
import type { KeyManagementService } from '../kms/key-management-service.js';
import { requestFromWire, responseToWire } from './kms-wire-shapes.js';
import { ServiceError } from './service-error.js';
import type { Authenticated } from './service-handler.js';
import { calledOperation, jsonResponse, JsonTargetApi } from './json-target.js';
import type { WireRequest, WireResponse } from './wire.js';

/** Every operation of the library's KeyManagementService, by its AWS name. */
export const KMS_OPERATIONS = [
  'CreateKey', 'DescribeKey', 'ListKeys', 'EnableKey', 'DisableKey', 'ScheduleKeyDeletion', 'CancelKeyDeletion', 'UpdateKeyDescription',
  'TagResource', 'UntagResource', 'ListResourceTags', 'CreateAlias', 'UpdateAlias', 'DeleteAlias', 'ListAliases', 'PutKeyPolicy',
  'GetKeyPolicy', 'EnableKeyRotation', 'DisableKeyRotation', 'GetKeyRotationStatus', 'RotateKeyOnDemand', 'ListKeyRotations',
  'Encrypt', 'Decrypt', 'ReEncrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'GenerateRandom',
  'GetParametersForImport', 'ImportKeyMaterial', 'DeleteImportedKeyMaterial',
  'CreateGrant', 'ListGrants', 'ListRetirableGrants', 'RetireGrant', 'RevokeGrant',
] as const;

export type KmsOperation = typeof KMS_OPERATIONS[number];
type KmsMethod = (request: unknown, caller: Authenticated['caller'] | undefined) => Promise<object>;

const TARGET_PREFIX = 'TrentService.';

export const isOperation = (name: string): name is KmsOperation => (KMS_OPERATIONS as readonly string[]).includes(name);

/**
 * One operation on the library's KMS, from a request as requestFromWire made it to the JSON body AWS
 * answers with (the service and the `kms-wasm kms` command both answer through this). A KmsError
 * becomes a ServiceError of the same name (HTTP 400); a request's Plaintext is zeroed after the call.
 */
export async function invokeKmsOperation(kms: KeyManagementService, operation: KmsOperation, input: Record<string, unknown>,
  caller: Authenticated['caller'] | undefined): Promise<string> {
  const method = (kms as unknown as Record<string, KmsMethod>)[operation[0]!.toLowerCase() + operation.slice(1)]!;
  let output: object;
  try {
    output = await method.call(kms, input, caller);
  } catch (error) {
    if (error instanceof KmsError) throw new ServiceError(error.name, 400, error.message);
    throw error;
  } finally {
    if (input.Plaintext instanceof Uint8Array) input.Plaintext.fill(0);
  }
  // AWS's list operations say whether more pages follow; this KMS always answers with one page.
  if (operation.startsWith('List')) output = { ...output, Truncated: false };
  return responseToWire(output, (keyId) => `arn:aws:kms:${kms.region}:${kms.account}:key/${keyId}`);
}

export class KmsJsonApi extends JsonTargetApi {
  constructor(private readonly kms: KeyManagementService) {
    super(TARGET_PREFIX);
  }

  async handle(request: WireRequest, who: Authenticated, requestId: string): Promise<WireResponse> {
    const operation = calledOperation(request, TARGET_PREFIX, isOperation, 'a KMS');
    const body = await invokeKmsOperation(this.kms, operation, requestFromWire(request.body), who.caller);
    return jsonResponse(200, requestId, body);
  }

  errorResponse(error: ServiceError, requestId: string): WireResponse {
    return jsonResponse(error.status, requestId, JSON.stringify({ __type: error.code, message: error.message }));
  }
}
