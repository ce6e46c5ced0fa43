// A query's results at its OutputLocation: <id>.csv and <id>.csv.metadata (the column information,
// here as JSON; Athena's own .metadata is a binary format of the same facts), written and read as
// the caller with the requested encryption — independent of the source data's
// (https://docs.aws.amazon.com/athena/latest/ug/encrypting-query-results-stored-in-s3.html):
// SSE_S3 and SSE_KMS through PutObject's server-side encryption headers, CSE_KMS through
// S3EncryptionClient. Encrypting with a KMS key needs kms:GenerateDataKey, reading kms:Decrypt.

import { AthenaError, QueryFailure } from './athena-errors.js';
import { S3EncryptionClient } from '../s3/s3-encryption-client.js';
import { S3Error } from '../s3/s3-errors.js';
import { KmsError } from '../kms/kms-errors.js';
import type { ObjectAccess } from './table-objects.js';
import { s3Uri } from './s3-location.js';

export type EncryptionOption = 'SSE_S3' | 'SSE_KMS' | 'CSE_KMS';

export interface EncryptionConfiguration {
  EncryptionOption: EncryptionOption;
  /** For SSE_KMS and CSE_KMS: the KMS key's ARN, id or alias. */
  KmsKey?: string;
}

const cseClient = (access: ObjectAccess, keyId: string) => new S3EncryptionClient({ s3: access.s3, kms: access.kms, kmsKeyId: keyId, caller: access.caller });

/** Writes one result object; an S3 or KMS refusal fails the query in Athena's words. */
export async function putResultObject(access: ObjectAccess, bucket: string, key: string, body: Uint8Array, encryption?: EncryptionConfiguration) {
  try {
    if (encryption?.EncryptionOption === 'CSE_KMS') {
      await cseClient(access, encryption.KmsKey!).putObject({ Bucket: bucket, Key: key, Body: body });
    } else {
      await access.s3.putObject({
        Bucket: bucket, Key: key, Body: body,
        ServerSideEncryption: encryption?.EncryptionOption === 'SSE_S3' ? 'AES256' : encryption?.EncryptionOption === 'SSE_KMS' ? 'aws:kms' : undefined,
        SSEKMSKeyId: encryption?.EncryptionOption === 'SSE_KMS' ? encryption.KmsKey : undefined,
      }, access.caller);
    }
  } catch (error) {
    if (!(error instanceof S3Error || error instanceof KmsError)) throw error;
    throw new QueryFailure(`Access denied when writing output to url: ${s3Uri(bucket, key)} . Please ensure you are allowed to access the S3 bucket. `
      + `If you are encrypting query results with KMS key, please ensure you are allowed to access your KMS key (${error.name}: ${error.message})`, 2, { cause: error });
  }
}

/** Reads a result object back through the same path it was written by; a refusal is the caller's error. */
export async function getResultObject(access: ObjectAccess, bucket: string, key: string, encryption?: EncryptionConfiguration): Promise<Uint8Array> {
  try {
    if (encryption?.EncryptionOption === 'CSE_KMS') return await (await cseClient(access, encryption.KmsKey!).getObject({ Bucket: bucket, Key: key })).Body.transformToByteArray();
    return await (await access.s3.getObject({ Bucket: bucket, Key: key }, access.caller)).Body.transformToByteArray();
  } catch (error) {
    if (!(error instanceof S3Error || error instanceof KmsError)) throw error;
    throw new AthenaError('InvalidRequestException', `Unable to read the query results at ${s3Uri(bucket, key)}: ${error.name}: ${error.message}`, 'INVALID_INPUT');
  }
}
