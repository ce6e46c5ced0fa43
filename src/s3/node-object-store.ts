// The ObjectStore of kms-wasm/node (and of 'kms-wasm' in Node, which loads the Node build): the same
// store, whose `dir` option opens a directory store (directory-object-metadata.ts). The directory code
// lives only here, so a browser bundle of 'kms-wasm' carries none of it.

import { directoryAsStore } from '../platform/directory-option.js';
import { DirectoryObjectMetadata } from './directory-object-metadata.js';
import { ObjectStore as PortableObjectStore, type ObjectStoreOptions } from './object-store.js';
import { s3Error } from './s3-errors.js';

export class ObjectStore extends PortableObjectStore {
  constructor(options: ObjectStoreOptions) {
    super(directoryAsStore(options, (dir, waitForLock) => new DirectoryObjectMetadata(dir, waitForLock),
      (field, expected) => s3Error('InvalidArgument', `${field}: ${expected}`)));
  }
}
