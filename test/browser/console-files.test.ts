// The console's static files as `kms-wasm serve` answers them: /console/ to unsigned GETs, with
// their content types and a CSP, nothing of dist/ but dist/console/, and signed S3 calls on a bucket
// named "console" still S3's.
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { ConsoleFiles } from '../../src/service/console-files.js';
import { temporaryDirectories } from '../helpers/temp-dirs.js';
import { startTestService } from '../service/service-fixture.js';
import { consoleDir } from './console-page.js';

const newDirectory = temporaryDirectories('kms-wasm-console-');

/** A raw request, the path sent exactly as given (no client normalizes it). */
function get(url: string, path: string, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the console at /console/', async () => {
  const withConsole = await startTestService(undefined, { consoleDir });
  const url = withConsole.service.url;

  it.each([
    ['/console/', 'index.html', 'text/html; charset=utf-8'],
    ['/console/index.html', 'index.html', 'text/html; charset=utf-8'],
    ['/console/console.js', 'console.js', 'text/javascript; charset=utf-8'],
    ['/console/console.css', 'console.css', 'text/css; charset=utf-8'],
  ])('GET %s: %s as %s, with no credentials', async (path, file, type) => {
    const answer = await get(url, path);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe(type);
    expect(answer.headers['content-security-policy']).toContain("default-src 'none'");
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(answer.body).toBe(readFileSync(consoleDir + file, 'utf8'));
    expect(withConsole.log.at(-1)).toContain('console:GetFile');
  });

  it('HEAD gives the length and no body; /console redirects to /console/', async () => {
    const head = await get(url, '/console/console.js', 'HEAD');
    expect([head.status, head.headers['content-length'], head.body]).toEqual([200, String(readFileSync(consoleDir + 'console.js').length), '']);
    const redirect = await get(url, '/console');
    expect([redirect.status, redirect.headers.location]).toEqual([301, '/console/']);
  });

  it.each(['/console/missing.js', '/console/console.js.map', '/console/../index.js', '/console/%2e%2e/index.js', '/console/..%2fcli.js', '/index.js', '/browser.js', '/console/sub/index.html'])(
    'serves nothing else of dist/: GET %s is not a file', async (path) => {
      const answer = await get(url, path);
      expect(answer.status).not.toBe(200);
      expect(answer.body).not.toContain('kms-wasm');
      expect(answer.body.length).toBeLessThan(1000);
    });

  it('a POST, or a signed GET, under /console/ is S3\'s: a bucket named "console" is listed as before', async () => {
    const post = await get(url, '/console/', 'POST');
    expect(post.status).toBe(403);
    expect(post.body).toContain('<Error>');
    const s3 = withConsole.s3();
    await s3.send(new CreateBucketCommand({ Bucket: 'console' }));
    await s3.send(new PutObjectCommand({ Bucket: 'console', Key: 'index.html', Body: 'an object' }));
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'console' }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual(['index.html']);
  });

  it('a service started without the console answers /console/ as S3 (unsigned: refused)', async () => {
    const without = await startTestService();
    const answer = await get(without.service.url, '/console/');
    expect(answer.status).toBe(403);
    expect(answer.headers['content-type']).not.toContain('text/html');
  });

  it('a console directory without index.html is refused at start', async () => {
    const dir = newDirectory();
    await writeFile(join(dir, 'other.js'), '');
    await expect(ConsoleFiles.load(dir)).rejects.toThrow(/no index.html/);
  });
});
