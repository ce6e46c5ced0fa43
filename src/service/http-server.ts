// The listening socket (node:http, or node:https with a certificate): hands each request to the
// dispatcher, writes the answer (whole, or streamed) and logs it. close() stops accepting, lets requests in flight
// finish (for at most `drainMs`), then ends any connection still open.

import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import type { ConsoleFiles } from './console-files.js';
import { dispatch, type DispatchOutcome, type Dispatcher } from './request-dispatcher.js';
import { formatLogLine } from './request-log.js';
import { IncomingBody } from './read-body.js';
import { readAhead } from './read-ahead.js';
import type { WireRequest, WireResponse } from './wire.js';

export interface HttpServiceOptions {
  host: string;
  port: number;
  tls?: { cert: Uint8Array; key: Uint8Array };
  dispatcher: Dispatcher;
  /** The browser console's files, answered to unsigned GETs under /console/; absent: no console. */
  console?: ConsoleFiles;
  /** Receives one line per request; absent: no request log. */
  log?: (line: string) => void;
  /** How long close() waits for requests in flight. */
  drainMs?: number;
}

export interface ListeningService {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** IPv4 peers of a dual-stack socket appear as ::ffff:a.b.c.d; aws:SourceIp is the IPv4 address. */
const sourceIpOf = (address: string | undefined) => address?.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');

/** The target's path and query; "/" (every KMS, IAM and STS call) without parsing a URL. */
function requestTarget(target: string): { path: string; query: URLSearchParams } {
  if (target === '/') return { path: '/', query: new URLSearchParams() };
  const url = new URL(target, 'http://localhost');
  return { path: url.pathname, query: url.searchParams };
}

/**
 * Writes the answer; resolves to the body's length once it is handed to the socket (a whole body) or
 * sent (a streamed one). The Date header is node:http's own (sendDate), formatted once a second.
 */
async function writeResponse(outgoing: ServerResponse, response: WireResponse, close: boolean): Promise<number> {
  const headers: Record<string, string | number> = { ...response.headers };
  if (close) headers.connection = 'close';
  const { body } = response;
  if (typeof body === 'string' || body instanceof Uint8Array) {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    headers['content-length'] ??= bytes.length;
    outgoing.writeHead(response.status, headers);
    // Not awaited until flushed: the socket's own buffering carries it, and a dropped connection is its concern.
    outgoing.end(bytes);
    return bytes.length;
  }
  outgoing.writeHead(response.status, headers);
  let sent = 0;
  await pipeline(async function* counted() {
    for await (const chunk of readAhead(body)) {
      sent += chunk.length;
      yield chunk;
    }
  }, outgoing);
  return sent;
}

export async function listen(options: HttpServiceOptions): Promise<ListeningService> {
  let closing = false;

  const handle = async (incoming: IncomingMessage, outgoing: ServerResponse) => {
    const started = performance.now();
    const body = new IncomingBody(incoming);
    try {
      const requestId = randomUUID();
      const { path, query } = requestTarget(incoming.url ?? '/');
      const request: WireRequest = {
        method: incoming.method ?? 'GET', path, query, headers: incoming.headers, body: new Uint8Array(0),
        stream: body, sourceIp: sourceIpOf(incoming.socket.remoteAddress), secureTransport: options.tls !== undefined,
      };
      const consoleAnswer = options.console?.answer(request);
      const outcome: DispatchOutcome = consoleAnswer ? { response: consoleAnswer, operation: 'console:GetFile' }
        : await dispatch(request, requestId, options.dispatcher);
      const bytesOut = await writeResponse(outgoing, outcome.response, closing || outcome.closeConnection === true);
      options.log?.(formatLogLine({
        method: request.method, operation: outcome.operation, principal: outcome.principal, status: outcome.response.status,
        bytesIn: body.bytesRead, bytesOut,
        milliseconds: performance.now() - started, fault: outcome.fault,
      }, new Date()));
    } catch (error) {
      // Only the socket can fail here (the client went away mid-request, or a streamed body failed after
      // its headers were sent): nothing more can be answered.
      options.log?.(`${new Date().toISOString()} ${incoming.method} - - connection failed: ${(error as Error).message}`);
      incoming.socket.destroy();
    }
  };

  const server: Server = options.tls
    ? createHttpsServer({ cert: Buffer.from(options.tls.cert), key: Buffer.from(options.tls.key) }, (a, b) => void handle(a, b))
    : createHttpServer((a, b) => void handle(a, b));
  // A request Node cannot parse (bad request line, oversize headers) gets a bare 400/431, and the process keeps serving.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    socket.end(error.code === 'HPE_HEADER_OVERFLOW' ? 'HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n'
      : 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  });
  await new Promise<void>((resolve, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(options.port, options.host, () => {
      server.off('error', rejectListen);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;

  return {
    url: `${options.tls ? 'https' : 'http'}://${host}:${port}`,
    port,
    // Responses written while closing say "Connection: close", so each connection with a request in
    // flight ends once its answer is sent; the server's close callback comes when the last one has.
    close: async () => {
      closing = true;
      const stopped = new Promise<'stopped'>((resolve) => server.close(() => resolve('stopped')));
      server.closeIdleConnections();
      const deadline = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), options.drainMs ?? 10_000).unref());
      if (await Promise.race([stopped, deadline]) === 'timeout') {
        server.closeAllConnections();
        await stopped;
      }
    },
  };
}
