// Matching keyrings for kms-wasm and the AWS Encryption SDK for JavaScript (@aws-crypto/client-node):
// the same raw AES key, the same RSA key pair, and the same KMS (our KeyManagementService, which
// the Encryption SDK's KMS keyring reaches through a client object of the AWS SDK v3 shape).

import { constants, generateKeyPairSync } from 'node:crypto';
import {
  KmsKeyringNode, RawAesKeyringNode, RawAesWrappingSuiteIdentifier, RawRsaKeyringNode, type KeyringNode,
} from '@aws-crypto/client-node';
import { AwsKmsKeyring, KeyManagementService, RawAesKeyring, RawRsaKeyring, type Keyring } from '../../src/index.js';
import { SeededRandom } from './seeded-random.js';

export type KeyringKind = 'raw AES' | 'raw RSA' | 'KMS';
export const KEYRING_KINDS: KeyringKind[] = ['raw AES', 'raw RSA', 'KMS'];

export interface KeyringPair {
  ours: Keyring;
  theirs: KeyringNode;
}

const rng = new SeededRandom(1818);

export function rawAesPair(wrappingKey = rng.bytes(32), keyNamespace = 'kms-wasm-test', keyName = 'aes-key-1'): KeyringPair {
  return {
    ours: new RawAesKeyring({ keyNamespace, keyName, wrappingKey }),
    theirs: new RawAesKeyringNode({ keyNamespace, keyName, unencryptedMasterKey: wrappingKey.slice(), wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING }),
  };
}

let rsaKeys: { publicKey: string; privateKey: string } | undefined;

/** One RSA-2048 key pair for the test process, PEM (SPKI public, PKCS #8 private). */
export function rsaPemKeys(): { publicKey: string; privateKey: string } {
  rsaKeys ??= generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
  return rsaKeys;
}

/** The DER inside a PEM. */
export const pemToDer = (pem: string): Uint8Array<ArrayBuffer> => new Uint8Array(Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64'));

export async function rawRsaPair(keyNamespace = 'kms-wasm-test', keyName = 'rsa-key-1'): Promise<KeyringPair> {
  const rsaKeys = rsaPemKeys();
  const algorithm = { name: 'RSA-OAEP', hash: 'SHA-256' };
  const publicKey = await crypto.subtle.importKey('spki', pemToDer(rsaKeys.publicKey), algorithm, false, ['encrypt']);
  const privateKey = await crypto.subtle.importKey('pkcs8', pemToDer(rsaKeys.privateKey), algorithm, false, ['decrypt']);
  return {
    ours: new RawRsaKeyring({ keyNamespace, keyName, publicKey, privateKey }),
    theirs: new RawRsaKeyringNode({ keyNamespace, keyName, rsaKey: { publicKey: rsaKeys.publicKey, privateKey: rsaKeys.privateKey }, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }),
  };
}

/** What the Encryption SDK's KMS keyring calls: generateDataKey/encrypt/decrypt methods returning promises (the AWS SDK v3 aggregated client). */
export function kmsClientFor(kms: KeyManagementService) {
  return {
    calls: [] as string[],
    generateDataKey(request: Parameters<KeyManagementService['generateDataKey']>[0]) {
      this.calls.push('GenerateDataKey');
      return kms.generateDataKey(request);
    },
    encrypt(request: Parameters<KeyManagementService['encrypt']>[0]) {
      this.calls.push('Encrypt');
      return kms.encrypt(request);
    },
    decrypt(request: Parameters<KeyManagementService['decrypt']>[0]) {
      this.calls.push('Decrypt');
      return kms.decrypt(request);
    },
  };
}

export async function kmsPair(): Promise<KeyringPair & { kms: KeyManagementService; keyArn: string }> {
  const kms = new KeyManagementService({ account: '111122223333', region: 'us-east-1' });
  const { KeyMetadata } = await kms.createKey({});
  const keyArn = KeyMetadata.Arn;
  const client = kmsClientFor(kms);
  return {
    kms, keyArn,
    ours: new AwsKmsKeyring({ client: kms, generatorKeyId: keyArn }),
    theirs: new KmsKeyringNode({ generatorKeyId: keyArn, clientProvider: () => client as never }),
  };
}

export async function keyringPair(kind: KeyringKind): Promise<KeyringPair> {
  if (kind === 'raw AES') return rawAesPair();
  if (kind === 'raw RSA') return rawRsaPair();
  return kmsPair();
}
