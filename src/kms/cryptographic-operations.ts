// The cryptographic operations: Encrypt, Decrypt, ReEncrypt, GenerateDataKey(WithoutPlaintext) and
// GenerateRandom. A blob is sealed under its key's newest material version and opened with the
// version it names (the format is ciphertext-blob.ts); material is unwrapped once and kept while
// its key is unchanged (key-material-cache.ts). Their work never awaits, so where nothing is ahead
// of a call it is decided at once (kms-calls.ts, call).

import type { Caller, ConditionContext } from '../policy/index.js';
import type { AuditEvent } from './audit-trail.js';
import { decodeBlobHeader, openBlob, sealBlob } from './ciphertext-blob.js';
import { checkEncryptionContext, type EncryptionContext } from './encryption-context.js';
import type { KmsCalls } from './kms-calls.js';
import { kmsError } from './kms-errors.js';
import { randomBytes } from './random-pool.js';
import { assertStateAllows } from './key-states.js';
import type { KeyRecord } from './key-store.js';
import type {
  DecryptRequest, DecryptResponse, EncryptRequest, EncryptResponse, GenerateDataKeyRequest, GenerateDataKeyResponse,
  GenerateDataKeyWithoutPlaintextRequest, GenerateDataKeyWithoutPlaintextResponse, GenerateRandomRequest, GenerateRandomResponse,
  ReEncryptRequest, ReEncryptResponse,
} from './kms-api-types.js';

function dataKeyLength(request: { KeySpec?: string; NumberOfBytes?: number }): number {
  if ((request.KeySpec === undefined) === (request.NumberOfBytes === undefined)) {
    throw kmsError('ValidationException', 'give exactly one of KeySpec and NumberOfBytes');
  }
  if (request.KeySpec !== undefined) return request.KeySpec === 'AES_256' ? 32 : 16;
  return request.NumberOfBytes!;
}

export class CryptographicOperations {
  constructor(private readonly kms: KmsCalls) {}

  encrypt(request: EncryptRequest, caller?: Caller): Promise<EncryptResponse> {
    return this.kms.onKey('Encrypt', request.KeyId, caller, { context: request.EncryptionContext, grantTokens: request.GrantTokens }, (key, context) => {
      return { CiphertextBlob: this.seal(key, request.Plaintext, context), KeyId: key.arn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' as const };
    });
  }

  decrypt(request: DecryptRequest, caller?: Caller): Promise<DecryptResponse> {
    return this.kms.call('Decrypt', caller, request.EncryptionContext, (who, event, context) => {
      const { key, plaintext } = this.open(who, 'Decrypt', request.CiphertextBlob, request.KeyId, context, event, request.GrantTokens);
      return { Plaintext: plaintext, KeyId: key.arn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' as const };
    });
  }

  reEncrypt(request: ReEncryptRequest, caller?: Caller): Promise<ReEncryptResponse> {
    return this.kms.call('ReEncrypt', caller, request.DestinationEncryptionContext, (who, event, destinationContext) => {
      const sourceContext = checkEncryptionContext(request.SourceEncryptionContext);
      const { key: destination, requestAlias } = this.kms.directory.resolveKeyFor(request.DestinationKeyId, who);
      const sameKey = (key: KeyRecord) => ({ 'kms:ReEncryptOnSameKey': String(key.keyId === destination.keyId) });
      const { key: source, plaintext } = this.open(who, 'ReEncryptFrom', request.CiphertextBlob,
        request.SourceKeyId, sourceContext, event, request.GrantTokens, sameKey);
      try {
        this.kms.authorizeOnKey(who, 'ReEncryptTo', destination, destinationContext, event, sameKey(source), requestAlias);
        // The destination's state counts as the source's does: nothing is encrypted under a key
        // that is disabled, pending deletion or without material.
        assertStateAllows('ReEncryptTo', destination.keyState, destination.arn);
        event.keyArn = destination.arn;
        return {
          CiphertextBlob: this.seal(destination, plaintext, destinationContext),
          SourceKeyId: source.arn, KeyId: destination.arn,
          SourceEncryptionAlgorithm: 'SYMMETRIC_DEFAULT' as const, DestinationEncryptionAlgorithm: 'SYMMETRIC_DEFAULT' as const,
        };
      } finally {
        plaintext.fill(0);
      }
    });
  }

  generateDataKey(request: GenerateDataKeyRequest, caller?: Caller): Promise<GenerateDataKeyResponse> {
    return this.kms.onKey('GenerateDataKey', request.KeyId, caller, { context: request.EncryptionContext, grantTokens: request.GrantTokens }, (key, context) => {
      const plaintext = randomBytes(dataKeyLength(request));
      return { Plaintext: plaintext, CiphertextBlob: this.seal(key, plaintext, context), KeyId: key.arn };
    });
  }

  generateDataKeyWithoutPlaintext(request: GenerateDataKeyWithoutPlaintextRequest, caller?: Caller): Promise<GenerateDataKeyWithoutPlaintextResponse> {
    return this.kms.onKey('GenerateDataKeyWithoutPlaintext', request.KeyId, caller, { context: request.EncryptionContext, grantTokens: request.GrantTokens }, (key, context) => {
      const plaintext = randomBytes(dataKeyLength(request));
      try {
        return { CiphertextBlob: this.seal(key, plaintext, context), KeyId: key.arn };
      } finally {
        plaintext.fill(0);
      }
    });
  }

  generateRandom(request: GenerateRandomRequest, caller?: Caller): Promise<GenerateRandomResponse> {
    return this.kms.call('GenerateRandom', caller, undefined, (who) => {
      this.kms.authorize({ caller: who, action: 'kms:GenerateRandom', resource: '*' });
      return { Plaintext: crypto.getRandomValues(new Uint8Array(request.NumberOfBytes)) };
    });
  }

  /** Encrypts under the key's newest material version. */
  private seal(key: KeyRecord, plaintext: Uint8Array, context: EncryptionContext): Uint8Array {
    const current = key.materials[key.materials.length - 1]!;
    return sealBlob(this.kms.materials.material(key.keyId, current.version, current.wrapped), key.keyId, current.version, plaintext, context);
  }

  /** Finds the blob's key, checks KeyId, state and authorization, and decrypts with the blob's material version. */
  private open(who: Caller, operation: string, blob: Uint8Array, keyId: string | undefined, context: EncryptionContext,
    event: AuditEvent, grantTokens: string[] | undefined, conditionsFor: (key: KeyRecord) => ConditionContext = () => ({})): { key: KeyRecord; plaintext: Uint8Array } {
    const { directory } = this.kms;
    this.kms.checkGrantTokens(grantTokens);
    const header = decodeBlobHeader(blob);
    const key = directory.keys.get(header.keyId);
    if (!key) throw kmsError('InvalidCiphertextException', 'the key that made this ciphertext does not exist in this KMS');
    event.keyArn = key.arn;
    const named = keyId === undefined ? undefined : directory.resolveKeyFor(keyId, who);
    if (named && named.key.keyId !== key.keyId) throw kmsError('IncorrectKeyException', `the ciphertext was not made under ${keyId}`);
    this.kms.authorizeOnKey(who, operation, key, context, event, conditionsFor(key), named?.requestAlias);
    assertStateAllows(operation, key.keyState, key.arn);
    const version = key.materials.find((m) => m.version === header.materialVersion);
    if (!version) throw kmsError('InvalidCiphertextException', 'the ciphertext names a key-material version this key does not have');
    return { key, plaintext: openBlob(this.kms.materials.material(key.keyId, version.version, version.wrapped), blob, header, context) };
  }
}
