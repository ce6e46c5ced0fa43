// A version stored without encryption (none is written now: every new object gets at least SSE-S3,
// BASE_ENCRYPTION_RULE): no layer either way, and no SSE field in a response.

import type { SseMode } from './sse-mode.js';

export const sseNone: SseMode = {
  async encrypt() {},
  decrypt: () => [],
  headers: () => ({}),
};
