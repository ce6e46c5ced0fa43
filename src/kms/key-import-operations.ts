// Imported key material (BYOK): import parameters (a wrapping key and a token), importing the
// material wrapped under them, and deleting it again. The wrapping and commitments are key-import.ts.

import { constantTimeEqualText } from '../core/bytes.js';
import type { Caller } from '../policy/index.js';
import type { KmsCalls } from './kms-calls.js';
import { kmsError } from './kms-errors.js';
import { IMPORT_PARAMETERS_VALID_HOURS, materialCommitment, newImportParameters, unwrapImportedMaterial } from './key-import.js';
import { wrapMaterial } from './key-material.js';
import type {
  DeleteImportedKeyMaterialRequest, DeleteImportedKeyMaterialResponse, GetParametersForImportRequest, GetParametersForImportResponse,
  ImportKeyMaterialRequest, ImportKeyMaterialResponse,
} from './kms-api-types.js';

export class KeyImportOperations {
  constructor(private readonly kms: KmsCalls) {}

  getParametersForImport(request: GetParametersForImportRequest, caller?: Caller): Promise<GetParametersForImportResponse> {
    const conditions = { 'kms:WrappingAlgorithm': request.WrappingAlgorithm, 'kms:WrappingKeySpec': request.WrappingKeySpec };
    return this.kms.onKey('GetParametersForImport', request.KeyId, caller, { customerManaged: true, conditions }, async (found) => {
      const key = this.kms.lifecycle.editKey(found);
      this.kms.lifecycle.assertImported(key, 'GetParametersForImport');
      const validTo = new Date(this.kms.clock.now().getTime() + IMPORT_PARAMETERS_VALID_HOURS * 3_600_000);
      const { parameters, publicKey } = await newImportParameters(this.kms.rootKey, key.keyId, request.WrappingKeySpec, validTo);
      key.importParameters = parameters;
      return { KeyId: key.arn, ImportToken: new TextEncoder().encode(parameters.token), PublicKey: publicKey, ParametersValidTo: validTo };
    });
  }

  importKeyMaterial(request: ImportKeyMaterialRequest, caller?: Caller): Promise<ImportKeyMaterialResponse> {
    const conditions = {
      'kms:ExpirationModel': request.ExpirationModel ?? 'KEY_MATERIAL_DOES_NOT_EXPIRE',
      'kms:ValidTo': request.ValidTo !== undefined ? String(Math.floor(request.ValidTo.getTime() / 1000)) : undefined,
    };
    return this.kms.onKey('ImportKeyMaterial', request.KeyId, caller, { customerManaged: true, conditions }, async (found) => {
      const key = this.kms.lifecycle.editKey(found);
      this.kms.lifecycle.assertImported(key, 'ImportKeyMaterial');
      const parameters = key.importParameters;
      const token = new TextDecoder().decode(request.ImportToken);
      if (!parameters || !constantTimeEqualText(token, parameters.token)) {
        throw kmsError('InvalidImportTokenException', 'ImportToken is not the one from the last getParametersForImport of this key');
      }
      if (new Date(parameters.validTo) <= this.kms.clock.now()) throw kmsError('ExpiredImportTokenException', `ImportToken expired at ${parameters.validTo}`);
      const model = request.ExpirationModel ?? 'KEY_MATERIAL_DOES_NOT_EXPIRE';
      if ((model === 'KEY_MATERIAL_EXPIRES') !== (request.ValidTo !== undefined)) {
        throw kmsError('ValidationException', 'ValidTo: required with KEY_MATERIAL_EXPIRES, and only with it');
      }
      if (request.ValidTo !== undefined && request.ValidTo <= this.kms.clock.now()) {
        throw kmsError('ValidationException', 'ValidTo: expected a Date in the future');
      }
      const material = await unwrapImportedMaterial(this.kms.rootKey, key.keyId, parameters, request.EncryptedKeyMaterial);
      try {
        const commitment = materialCommitment(this.kms.rootKey, key.keyId, material);
        if (key.importedMaterial && key.importedMaterial.commitment !== commitment) {
          throw kmsError('IncorrectKeyMaterialException', `${key.arn} was created with other key material: only the same material can be imported again`);
        }
        if (key.materials.length === 0) {
          key.materials.push({ version: 1, createdAt: this.kms.clock.now().toISOString(), wrapped: wrapMaterial(this.kms.rootKey, key.keyId, 1, material) });
        }
        key.importedMaterial = { commitment, expirationModel: model, validTo: request.ValidTo?.toISOString() };
        delete key.importParameters;
        if (key.keyState === 'PendingImport') key.keyState = 'Enabled';
        return {};
      } finally {
        material.fill(0);
      }
    });
  }

  deleteImportedKeyMaterial(request: DeleteImportedKeyMaterialRequest, caller?: Caller): Promise<DeleteImportedKeyMaterialResponse> {
    return this.kms.onKey('DeleteImportedKeyMaterial', request.KeyId, caller, { customerManaged: true }, async (found) => {
      const key = this.kms.lifecycle.editKey(found);
      this.kms.lifecycle.assertImported(key, 'DeleteImportedKeyMaterial');
      this.kms.lifecycle.removeImportedMaterial(key);
      return {};
    });
  }
}
