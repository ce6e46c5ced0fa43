// The root access key: from KMS_WASM_ROOT_ACCESS_KEY_ID / KMS_WASM_ROOT_SECRET_ACCESS_KEY, or made on
// a directory's first start when they are unset; a later start must present the same pair or none.

import { constantTimeEqualText } from '../core/bytes.js';
import { newAccessKey, type AccessKeyPair } from './access-key-generator.js';

export const ROOT_ACCESS_KEY_ID_VARIABLE = 'KMS_WASM_ROOT_ACCESS_KEY_ID';
export const ROOT_SECRET_VARIABLE = 'KMS_WASM_ROOT_SECRET_ACCESS_KEY';

export class RootCredentialsError extends Error {
  override readonly name = 'RootCredentialsError';
}

/**
 * The root key pair to serve with: the stored one (which the environment, if set, must equal), the
 * environment's on a first start, or a new one (`generated`) when neither exists.
 */
export function chooseRootCredentials(environment: Record<string, string | undefined>, stored: AccessKeyPair | undefined):
  { credentials: AccessKeyPair; generated: boolean } {
  const accessKeyId = environment[ROOT_ACCESS_KEY_ID_VARIABLE] || undefined;
  const secretAccessKey = environment[ROOT_SECRET_VARIABLE] || undefined;
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    throw new RootCredentialsError(`set both ${ROOT_ACCESS_KEY_ID_VARIABLE} and ${ROOT_SECRET_VARIABLE}, or neither`);
  }
  if (accessKeyId !== undefined && !/^[A-Z0-9]{16,128}$/.test(accessKeyId)) {
    throw new RootCredentialsError(`${ROOT_ACCESS_KEY_ID_VARIABLE}: expected 16 to 128 upper-case letters and digits, as AWS access key ids are`);
  }
  if (stored) {
    if (accessKeyId !== undefined && !(accessKeyId === stored.accessKeyId && constantTimeEqualText(secretAccessKey!, stored.secretAccessKey))) {
      throw new RootCredentialsError(`${ROOT_ACCESS_KEY_ID_VARIABLE}/${ROOT_SECRET_VARIABLE} differ from the root credentials this directory ` +
        `was first started with (access key id ${stored.accessKeyId}); unset them to use the stored pair, or use another --dir`);
    }
    return { credentials: stored, generated: false };
  }
  if (accessKeyId !== undefined) return { credentials: { accessKeyId, secretAccessKey: secretAccessKey! }, generated: false };
  return { credentials: newAccessKey(), generated: true };
}
