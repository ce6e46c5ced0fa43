// A Node consumer of kms-wasm/node (with @types/node): the directory key store and Node streams.
import { pipeline } from 'node:stream/promises';
import { Readable, Writable } from 'node:stream';
import { FileKeyStore, KeyManagementService, encryptStream, toNodeDuplex } from 'kms-wasm/node';

export async function use(): Promise<void> {
  const kms = new KeyManagementService({ account: '111122223333', region: 'us-east-1', store: new FileKeyStore({ directory: './keys' }) });
  const { KeyMetadata } = await kms.createKey();
  const { Plaintext } = await kms.generateDataKey({ KeyId: KeyMetadata.KeyId, KeySpec: 'AES_256' });
  await pipeline(Readable.from([new Uint8Array(3)]), toNodeDuplex(encryptStream({ dataKey: Plaintext, encryptionContext: {}, wrappedKeys: [] })),
    new Writable({ write: (_chunk, _encoding, done) => done() }));
}
