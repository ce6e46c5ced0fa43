/** Thrown when an argument has the wrong type, length or value; `field` names the argument. */
export class InvalidInputError extends Error {
  override readonly name = 'InvalidInputError';
  readonly field: string;

  constructor(field: string, problem: string) {
    super(`${field}: ${problem}`);
    this.field = field;
  }
}

/** Thrown when a GCM tag does not verify. No plaintext is released when this is thrown. */
export class AuthenticationError extends Error {
  override readonly name = 'AuthenticationError';

  constructor(message = 'AES-GCM authentication failed: the ciphertext, tag, IV, AAD or key is not the one that was used to encrypt') {
    super(message);
  }
}

/** Thrown when a cipher object is used after `dispose()` or after its stream has finished. */
export class CipherStateError extends Error {
  override readonly name = 'CipherStateError';
}
