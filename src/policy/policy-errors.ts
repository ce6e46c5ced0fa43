/** A policy document that cannot be parsed or uses an unsupported element; `field` names where. */
export class MalformedPolicyError extends Error {
  override readonly name = 'MalformedPolicyDocumentException';
  constructor(readonly field: string, problem: string) {
    super(`${field}: ${problem}`);
  }
}
