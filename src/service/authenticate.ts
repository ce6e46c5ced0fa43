// Who signed a request: the credential scope's access key, known and active, whose secret gives the
// same SigV4 signature, for the region the service answers in. IAM and STS are global services,
// signed for us-east-1 (AWS General Reference, "Signing AWS API requests": global endpoints).

import type { IamDirectory } from './iam-directory.js';
import { AuthenticationFailure } from './service-error.js';
import type { Authenticated } from './service-handler.js';
import { verifySignature, type CredentialScope } from './sigv4-verifier.js';
import type { WireRequest } from './wire.js';

const GLOBAL_SERVICE_REGION = 'us-east-1';
/** Services signed for the endpoint's own region (the others are global). */
const REGIONAL_SERVICES = new Set(['kms', 's3']);

export async function authenticate(request: WireRequest, scope: CredentialScope | undefined, directory: IamDirectory,
  serviceRegion: string, now: Date): Promise<Authenticated> {
  if (!scope) throw new AuthenticationFailure('missing', 'Request is missing Authentication Token');
  const region = REGIONAL_SERVICES.has(scope.service) ? serviceRegion : GLOBAL_SERVICE_REGION;
  if (scope.region !== region) throw new AuthenticationFailure('wrong-region', `Credential should be scoped to a valid region, not '${scope.region}' (this endpoint's ${scope.service} is in ${region})`);
  await directory.refresh(); // another server sharing the identities may have changed them
  const known = directory.credentialsFor(scope.accessKeyId);
  if (!known) throw new AuthenticationFailure('unknown-key', 'The security token included in the request is invalid.');
  const signing = await verifySignature(request, scope, known.secretAccessKey, now);
  return {
    signing,
    identity: known.identity,
    caller: { principal: known.identity.arn, sourceIp: request.sourceIp, secureTransport: request.secureTransport },
  };
}
