// The ObjectStore of kms-wasm/node (and of 'kms-wasm' in Node, which loads the Node build): the same
// store, whose `dir` option opens a directory store (directory-object-metadata.ts). The directory code
// lives only here, so a browser bundle of 'kms-wasm' carries none of it.

import { DirectoryObjectMetadata } from './directory-object-metadata.js';
import { ObjectStore as PortableObjectStore, type ObjectStoreOptions } from './object-store.js';

export class ObjectStore extends PortableObjectStore {
  constructor(options: ObjectStoreOptions) {
    // With both `dir` and `store`, the options go on unchanged and are refused as giving both.
    super(options?.dir === undefined || options.store ? options
      : { ...options, dir: undefined, store: new DirectoryObjectMetadata(options.dir, options.waitForLock) });
  }
}
