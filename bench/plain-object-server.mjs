// The unencrypted baseline of the service section's 64 MiB rows: every bucket of `kms-wasm serve`
// encrypts (SSE-S3 is S3's base level), so there is no plaintext path to measure, and none is added
// for the bench. This is the floor under every encrypted row instead: the same node:http, the same
// AWS SDK client, the same disk, and nothing else. A PUT streams the body to a file and fsyncs it
// before answering (as the ObjectStore does); a GET streams the file back. No signature, checksum
// or S3 semantics are checked, so the ratio of an encrypted row to this one counts the service's
// whole cost above transport and disk, not the encryption's alone.
//
//   node bench/plain-object-server.mjs DIR   → prints "listening on http://127.0.0.1:PORT"
import { createReadStream, createWriteStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

const dir = process.argv[2];
if (!dir) throw new Error('usage: node bench/plain-object-server.mjs DIR');
const fileOf = (path) => join(dir, encodeURIComponent(path));

const server = createServer(async (request, response) => {
  const file = fileOf(new URL(request.url, 'http://localhost').pathname);
  try {
    if (request.method === 'PUT') {
      await pipeline(request, createWriteStream(file));
      const handle = await open(file, 'r');
      await handle.sync();
      await handle.close();
      response.writeHead(200, { etag: '"plain"', 'content-length': 0 }).end();
    } else if (request.method === 'GET') {
      const { size } = await stat(file);
      response.writeHead(200, { 'content-length': size, 'content-type': 'binary/octet-stream', etag: '"plain"' });
      await pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), response);
    } else {
      response.writeHead(405, { 'content-length': 0 }).end();
    }
  } catch (error) {
    if (!response.headersSent) response.writeHead(500, { 'content-length': 0 }).end();
    else response.destroy(error);
  }
});
server.listen(0, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${server.address().port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
