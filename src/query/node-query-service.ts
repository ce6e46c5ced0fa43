// The QueryService of kms-wasm/node (and of 'kms-wasm' in Node, which loads the Node build): the
// same service, whose `dir` option keeps the catalog and the execution history in that directory
// (directory-query-store.ts). The directory code lives only here, so a browser bundle of 'kms-wasm'
// carries none of it.

import { directoryAsStore } from '../platform/directory-option.js';
import { invalidRequest } from './athena-errors.js';
import { DirectoryQueryStore } from './directory-query-store.js';
import { QueryService as PortableQueryService, type QueryServiceOptions } from './query-service.js';

export class QueryService extends PortableQueryService {
  constructor(options: QueryServiceOptions) {
    super(directoryAsStore(options, (dir, waitForLock) => new DirectoryQueryStore(dir, waitForLock), invalidRequest));
  }
}
