// SSE-C: the customer's key, sent with every request, is the data key itself (sse-c-keyring.ts): the
// version keeps only a salted HMAC of it, and a read must bring the same key (object-encryption.ts
// checks it against the version's before any layer is opened).

import { customerKeyCheck, customerKeyMaterials } from './sse-c-keyring.js';
import type { SseMode } from './sse-mode.js';

export const sseC: SseMode = {
  async encrypt(layers, { customerKey, object }) {
    layers.push(customerKeyMaterials(customerKey!));
    object.customerKey = customerKeyCheck(customerKey!);
  },
  decrypt: ({ customerKey }) => [async () => customerKey!.slice()],
  headers: () => ({ SSECustomerAlgorithm: 'AES256' }),
};
