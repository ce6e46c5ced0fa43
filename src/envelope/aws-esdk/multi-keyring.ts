// A keyring of keyrings (framework/multi-keyring.md): the generator makes and wraps the data key,
// every child wraps it too; on decrypt the generator, then each child, is asked in turn and the
// first data key any gives is the answer.

import { InvalidInputError } from '../../core/errors.js';
import { KeyringError } from './esdk-errors.js';
import type { Keyring, KeyringDecryptRequest, KeyringEncryptRequest, KeyringEncryptResult } from './keyring.js';

export interface MultiKeyringOptions {
  generator?: Keyring;
  children?: Keyring[];
}

const isKeyring = (k: unknown): k is Keyring => typeof (k as Keyring)?.onEncrypt === 'function' && typeof (k as Keyring)?.onDecrypt === 'function';

export class MultiKeyring implements Keyring {
  private readonly generator: Keyring | undefined;
  private readonly children: readonly Keyring[];

  constructor({ generator, children = [] }: MultiKeyringOptions) {
    if (generator !== undefined && !isKeyring(generator)) throw new InvalidInputError('generator', 'expected a keyring');
    if (!Array.isArray(children) || !children.every(isKeyring)) throw new InvalidInputError('children', 'expected an array of keyrings');
    if (!generator && children.length === 0) throw new InvalidInputError('generator', 'a multi-keyring needs a generator or children');
    this.generator = generator;
    this.children = [...children];
  }

  async onEncrypt(request: KeyringEncryptRequest): Promise<KeyringEncryptResult> {
    if (!this.generator && request.dataKey === undefined) throw new KeyringError('this multi-keyring has no generator to make a data key with');
    let { dataKey } = request;
    const encryptedDataKeys = [];
    for (const keyring of this.generator ? [this.generator, ...this.children] : this.children) {
      const result = await keyring.onEncrypt({ ...request, dataKey });
      dataKey = result.dataKey;
      encryptedDataKeys.push(...result.encryptedDataKeys);
    }
    return { dataKey: dataKey!, encryptedDataKeys };
  }

  async onDecrypt(request: KeyringDecryptRequest): Promise<Uint8Array | undefined> {
    const errors: unknown[] = [];
    for (const keyring of this.generator ? [this.generator, ...this.children] : this.children) {
      try {
        const dataKey = await keyring.onDecrypt(request);
        if (dataKey) return dataKey;
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw new KeyringError('multi-keyring: no keyring unwrapped a data key', { cause: new AggregateError(errors) });
    return undefined;
  }
}
