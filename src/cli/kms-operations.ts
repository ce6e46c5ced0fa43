// The `kms-wasm kms` operations and their options, derived from two tables rather than written out
// per command: the operations are the service's (KMS_OPERATIONS: every operation the library has),
// and each one's request members and their types come from the AWS SDK's KMS schema (generated from
// the AWS service model, the same model the AWS CLI reads). A member's option is its name in
// kebab-case, as the AWS CLI spells it (KeyId → --key-id, CiphertextBlob → --ciphertext-blob).

import * as KmsSchemas from '@aws-sdk/client-kms';
import { KMS_OPERATIONS, type KmsOperation } from '../service/kms-json-api.js';

/** How an option's text becomes a request member (the AWS CLI's rules for each Smithy type). */
export type MemberKind = 'string' | 'blob' | 'boolean' | 'number' | 'timestamp' | 'string-list' | 'string-map' | 'json';

export interface OperationMember {
  member: string;
  option: string;
  kind: MemberKind;
  required: boolean;
}

export interface CliOperation {
  operation: KmsOperation;
  /** The AWS CLI's name: CreateKey → create-key. */
  command: string;
  members: OperationMember[];
}

/** PascalCase → kebab-case, as botocore's xform_name does (GenerateDataKeyWithoutPlaintext → generate-data-key-without-plaintext). */
export const kebabCase = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2').toLowerCase();

// Smithy's static schema encoding (@smithy/core/schema): a number is a simple type (0 string,
// 1 number, 2 boolean, 4 timestamp, 21 blob; 64|n a list of n, 128|n a map of n), an array a
// schema (0 simple with traits, 1 list, 2 map, 3 structure, 9 operation), a function its lazy reference.
type Schema = number | (() => Schema) | readonly unknown[];

function kindOf(schema: Schema): MemberKind {
  if (typeof schema === 'function') return kindOf(schema());
  if (typeof schema === 'number') {
    switch (schema) {
      case 1: return 'number';
      case 2: return 'boolean';
      case 4: case 5: case 6: case 7: return 'timestamp';
      case 21: return 'blob';
      case 64: return 'string-list';
      case 128: return 'string-map';
      default: return 'string';
    }
  }
  if (typeof schema[0] === 'function') return kindOf(schema[0] as Schema); // a member with traits: [target, traits]
  if (schema[0] === 0) return kindOf(schema[4] as Schema); // a named simple type: [0, namespace, name, traits, type]
  return 'json'; // a structure, or a list or map of them
}

function membersOf(operation: KmsOperation): OperationMember[] {
  const schema = (KmsSchemas as unknown as Record<string, readonly unknown[]>)[`${operation}$`];
  if (!schema) throw new Error(`the AWS SDK's KMS model has no operation ${operation}`);
  const input = (schema[4] as () => readonly unknown[])();
  const names = input[4] as string[];
  const types = input[5] as Schema[];
  const required = (input[6] as number | undefined) ?? 0;
  return names.map((member, i) => ({ member, option: kebabCase(member), kind: kindOf(types[i]!), required: i < required }));
}

export const CLI_OPERATIONS: ReadonlyMap<string, CliOperation> = new Map(KMS_OPERATIONS.map((operation) =>
  [kebabCase(operation), { operation, command: kebabCase(operation), members: membersOf(operation) }]));
