// `kms-wasm kms … --endpoint-url URL`: the operation sent to a running KMS (kms-wasm serve, or any
// AWS KMS endpoint) through the AWS SDK's KMS client, which signs with the SDK's default credential
// chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, AWS_PROFILE and ~/.aws/credentials, …), and the
// answer written back in the JSON the service sends, so the output is the same as with --dir.

import * as KmsSdk from '@aws-sdk/client-kms';
import type { KmsOperation } from '../service/kms-json-api.js';
import { responseToWire } from '../service/kms-wire-shapes.js';
import { ServiceError } from '../service/service-error.js';
import { UsageError } from './command-line.js';

type Command = new (input: object) => Parameters<KmsSdk.KMSClient['send']>[0];

/** The response body JSON for `request` (in the library's shapes: Uint8Array blobs, Date timestamps). */
export async function invokeRemoteKms(endpoint: string, region: string, operation: KmsOperation, request: Record<string, unknown>): Promise<string> {
  if (!URL.canParse(endpoint) || !/^https?:$/.test(new URL(endpoint).protocol)) throw new UsageError(`--endpoint-url: expected an http(s) URL, got ${endpoint}`);
  const CommandClass = (KmsSdk as unknown as Record<string, Command>)[`${operation}Command`]!;
  // The SDK warns on Node 20 that its releases after January 2027 will need Node 22; the copy bundled
  // here runs on Node 20, which this package supports, so the warning would only be noise on stderr.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const client = new KmsSdk.KMSClient({ endpoint, region, maxAttempts: 1 });
  try {
    const { $metadata: _metadata, ...response } = await client.send(new CommandClass(request)) as { $metadata: unknown };
    return responseToWire(response, (keyId) => keyId);
  } catch (error) {
    // The service's error, by the name the SDK gives its exception; the rest (no credentials, no connection) as they are.
    const fault = error as { name: string; message: string; $fault?: string; $metadata?: { httpStatusCode?: number } };
    if (fault?.$fault) throw new ServiceError(fault.name, fault.$metadata?.httpStatusCode ?? 400, fault.message);
    throw error;
  } finally {
    client.destroy();
    if (request.Plaintext instanceof Uint8Array) request.Plaintext.fill(0);
  }
}
