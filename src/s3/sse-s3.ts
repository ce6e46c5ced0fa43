// SSE-S3 (ServerSideEncryption AES256): a data key per object, wrapped by the store's own root key
// (sse-s3-keyring.ts); no KMS call either way.

import type { SseMode } from './sse-mode.js';

export const sseS3: SseMode = {
  async encrypt(layers, { objectArn }, { access }) {
    layers.push(access.state.sseS3.materials(objectArn));
  },
  decrypt: ({ objectArn }, { access }) => [access.state.sseS3.resolver(objectArn)],
  headers: () => ({ ServerSideEncryption: 'AES256' }),
};
