// The BlockStore of kms-wasm/node (and of 'kms-wasm' in Node, which loads the Node build): the same
// store, whose `dir` option opens a directory store (directory-block-metadata.ts: ebs-state.json and
// sparse sector files). The directory code lives only here, so a browser bundle of 'kms-wasm' carries
// none of it.

import { directoryAsStore } from '../platform/directory-option.js';
import { BlockStore as PortableBlockStore, type BlockStoreOptions } from './block-store.js';
import { DirectoryBlockMetadata } from './directory-block-metadata.js';
import { ec2Error } from './ec2-errors.js';

export class BlockStore extends PortableBlockStore {
  constructor(options: BlockStoreOptions) {
    super(directoryAsStore(options, (dir, waitForLock) => new DirectoryBlockMetadata(dir, waitForLock),
      (field, expected) => ec2Error('InvalidParameterValue', `${field}: ${expected}`)));
  }
}
