// The BlockStore of kms-wasm/node (and of 'kms-wasm' in Node, which loads the Node build): the same
// store, whose `dir` option opens a directory store (directory-block-metadata.ts: ebs-state.json and
// sparse sector files). The directory code lives only here, so a browser bundle of 'kms-wasm' carries
// none of it.

import { BlockStore as PortableBlockStore, type BlockStoreOptions } from './block-store.js';
import { DirectoryBlockMetadata } from './directory-block-metadata.js';

export class BlockStore extends PortableBlockStore {
  constructor(options: BlockStoreOptions) {
    // With both `dir` and `store`, the options go on unchanged and are refused as giving both.
    super(options?.dir === undefined || options.store ? options
      : { ...options, dir: undefined, store: new DirectoryBlockMetadata(options.dir, options.waitForLock) });
  }
}
