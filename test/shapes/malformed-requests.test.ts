// Property: every public method of KeyManagementService, ObjectStore, S3EncryptionClient and
// BlockStore, fed its well-formed request with one field (top-level or nested) replaced by a value
// of the wrong type, a required field removed, an unknown field added, or no object at all, refuses
// it with the service's typed error naming the field, and nothing any service holds changes
// (issue 14, item 6: `decrypt({ KeyId: 42 })`, `describeVolumes({ VolumeIds: null })`,
// `createSnapshot({ Description: Symbol() })`). And a mutation the shape accepts still gets a
// typed answer, never a TypeError. Seeded: a failure names its seed and case to replay.
import { describe, expect, it } from 'vitest';
import { BlockStore, Ec2Error, KeyManagementService, KmsError, ObjectStore, S3EncryptionClient, S3Error } from '../../src/index.js';
import { violationsOf, type Member } from '../../src/core/request-shape.js';
import { KMS_REQUEST_SHAPES } from '../../src/kms/request-shapes.js';
import { S3_REQUEST_SHAPES } from '../../src/s3/request-shapes.js';
import { EC2_REQUEST_SHAPES } from '../../src/ebs/request-shapes.js';
import { AuthenticationError, InvalidInputError } from '../../src/core/errors.js';
import { SeededRandom } from '../helpers/seeded-random.js';
import { servicesWithState, type Service } from './service-fixture.js';

const SHAPES: Record<Service, Record<string, Member<unknown>>> = { kms: KMS_REQUEST_SHAPES, s3: S3_REQUEST_SHAPES, cse: S3_REQUEST_SHAPES, ec2: EC2_REQUEST_SHAPES };
const REFUSALS: Record<Service, string[]> = {
  kms: ['ValidationException'], s3: ['InvalidArgument', 'MalformedXML'], cse: ['InvalidArgument', 'MalformedXML'], ec2: ['InvalidParameterValue', 'MissingParameter'],
};
type Methods<T> = { [K in keyof T]: T[K] extends (...args: never[]) => unknown ? K : never }[keyof T];
/**
 * Every public method that takes a request, by class. `satisfies` makes this exhaustive at compile
 * time (a new public method fails the type check until it is listed, and so gets a case here); the
 * methods left out take no request: lifecycle (close, rotateSseS3RootKey) and inspection.
 */
const PUBLIC_METHODS = {
  kms: {
    createKey: 1, describeKey: 1, listKeys: 1, enableKey: 1, disableKey: 1, scheduleKeyDeletion: 1, cancelKeyDeletion: 1, updateKeyDescription: 1,
    tagResource: 1, untagResource: 1, listResourceTags: 1, createAlias: 1, updateAlias: 1, deleteAlias: 1, listAliases: 1, putKeyPolicy: 1,
    getKeyPolicy: 1, enableKeyRotation: 1, disableKeyRotation: 1, getKeyRotationStatus: 1, rotateKeyOnDemand: 1, listKeyRotations: 1,
    encrypt: 1, decrypt: 1, reEncrypt: 1, generateDataKey: 1, generateDataKeyWithoutPlaintext: 1, generateRandom: 1, getParametersForImport: 1,
    importKeyMaterial: 1, deleteImportedKeyMaterial: 1, createGrant: 1, listGrants: 1, listRetirableGrants: 1, retireGrant: 1, revokeGrant: 1,
    listAuditRecords: 1,
  } satisfies Record<Exclude<Methods<KeyManagementService>, 'verifyAuditTrail' | 'auditHead' | 'awsManagedKeyId'>, 1>,
  s3: {
    createBucket: 1, deleteBucket: 1, listBuckets: 1, putBucketEncryption: 1, getBucketEncryption: 1, putBucketVersioning: 1, getBucketVersioning: 1,
    putBucketPolicy: 1, getBucketPolicy: 1, putObject: 1, getObject: 1, headObject: 1, getObjectTagging: 1, deleteObject: 1, listObjectVersions: 1, copyObject: 1, listObjectsV2: 1,
    createMultipartUpload: 1, uploadPart: 1, uploadPartCopy: 1, completeMultipartUpload: 1, abortMultipartUpload: 1, listParts: 1, deleteBucketPolicy: 1,
    deleteBucketEncryption: 1,
  } satisfies Record<Exclude<Methods<ObjectStore>, 'close' | 'rotateSseS3RootKey' | 'storedBytes'>, 1>,
  cse: { putObject: 1, getObject: 1, openObject: 1 } satisfies Record<Methods<S3EncryptionClient>, 1>,
  ec2: {
    createVolume: 1, attachVolume: 1, detachVolume: 1, deleteVolume: 1, describeVolumes: 1, createSnapshot: 1, copySnapshot: 1, deleteSnapshot: 1,
    describeSnapshots: 1, enableEbsEncryptionByDefault: 1, disableEbsEncryptionByDefault: 1, getEbsEncryptionByDefault: 1,
    getEbsDefaultKmsKeyId: 1, modifyEbsDefaultKmsKeyId: 1, resetEbsDefaultKmsKeyId: 1,
  } satisfies Record<Exclude<Methods<BlockStore>, 'close'>, 1>,
};

/** Values JSON from a network (and any JavaScript caller) can put where a field belongs. */
const WRONG_VALUES: unknown[] = [null, 42, -1, 1.5, Number.NaN, '', 'x', true, [], [null], [42], {}, { a: 1 }, Symbol('s'), 10n,
  new Uint8Array(1), new Date(0), () => 0, 'x'.repeat(9000)];

/** Every field path of a request (nested objects and list members included). */
function pathsOf(value: unknown, path: Array<string | number> = []): Array<Array<string | number>> {
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value) || value instanceof Date) return [];
  return Object.entries(value).flatMap(([k, v]) => {
    const here = [...path, Array.isArray(value) ? Number(k) : k];
    return [here, ...pathsOf(v, here)];
  });
}

function withValue(request: unknown, path: Array<string | number>, value: unknown, remove = false): unknown {
  const copy = structuredClone(request) as Record<string | number, unknown>;
  let at = copy;
  for (const part of path.slice(0, -1)) at = at[part] as Record<string | number, unknown>;
  if (remove) delete at[path.at(-1)!];
  else at[path.at(-1)!] = value;
  return copy;
}

/** How the service's message names a field: KMS in AWS's camelCase member path, S3 and EC2 by the last member name. */
function fieldNameIn(service: Service, path: ReadonlyArray<string | number>): string {
  const names = path.filter((p): p is string => typeof p === 'string');
  const last = names.at(-1) ?? 'request';
  return service === 'kms' ? last.charAt(0).toLowerCase() + last.slice(1) : last;
}

const isTyped = (error: unknown) => error instanceof KmsError || error instanceof S3Error || error instanceof Ec2Error
  || error instanceof InvalidInputError || error instanceof AuthenticationError;

async function outcome(promise: () => Promise<unknown>): Promise<{ error?: unknown }> {
  try {
    await promise();
    return {};
  } catch (error) {
    return { error };
  }
}

describe('malformed requests, at random', () => {
  it('every public method has a case and a shape', async () => {
    const { cases } = await servicesWithState();
    for (const [service, methods] of Object.entries(PUBLIC_METHODS)) {
      const covered = cases.filter((c) => c.service === service).map((c) => c.method);
      expect(covered.sort(), `${service}: a case for each public method`).toEqual(Object.keys(methods).sort());
    }
    for (const c of cases) {
      expect(SHAPES[c.service][c.operation], c.operation).toBeDefined();
      expect(violationsOf(SHAPES[c.service][c.operation]!, c.request), `${c.operation}'s base request is well-formed`).toEqual([]);
    }
  });

  it('refuses each with a typed error naming the field, and nothing changes', { timeout: 120_000 }, async () => {
    const seed = 14_6;
    const rng = new SeededRandom(seed);
    const services = await servicesWithState();
    let refused = 0;
    for (const c of services.cases) {
      const shape = SHAPES[c.service][c.operation]!;
      const paths = pathsOf(c.request);
      for (let round = 0; round < 24; round++) {
        const kind = rng.int(10);
        let request: unknown;
        if (kind === 0) request = WRONG_VALUES[rng.int(WRONG_VALUES.length)];
        else if (kind === 1) request = { ...c.request, [['KeyID', 'bucket', 'Unknown', 'DryRun'][rng.int(4)]!]: 'x' };
        else if (kind === 2 && paths.length > 0) request = withValue(c.request, paths[rng.int(paths.length)]!, undefined, true);
        else if (paths.length > 0) request = withValue(c.request, paths[rng.int(paths.length)]!, WRONG_VALUES[rng.int(WRONG_VALUES.length)]);
        else request = { Extra: WRONG_VALUES[rng.int(WRONG_VALUES.length)] };
        const violations = violationsOf(shape, request);
        const label = `seed ${seed}, ${c.service}.${c.method} round ${round}`;
        if (violations.length === 0) {
          // Well-formed after all (an optional field removed, a value of the right type): any answer is fine, if typed.
          const { error } = await outcome(() => services.invoke(c, request));
          if (error !== undefined) expect(isTyped(error), `${label}: ${String(error)}`).toBe(true);
          continue;
        }
        const before = await services.fingerprint();
        const { error } = await outcome(() => services.invoke(c, request));
        expect(error, `${label}: accepted a malformed request`).toBeDefined();
        expect(REFUSALS[c.service], `${label}: ${String(error)}`).toContain((error as Error).name);
        expect((error as Error).message, label).toContain(fieldNameIn(c.service, violations[0]!.path));
        expect(await services.fingerprint(), `${label}: state changed`).toBe(before);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(services.cases.length * 10);
  });
});
