// A browser app bundles 'kms-wasm' with esbuild's defaults (platform browser, nothing external):
// the default entry resolves to dist/browser.js, which imports no node: module, so nothing is left
// unresolved; the Node entry does not bundle so (the check can fail); tree shaking leaves only what
// an app uses. test/browser runs such a bundle in Chromium.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bundleForBrowser } from '../../scripts/browser-bundle.mjs';

/** An import or require of a node: module in bundled code. */
const NODE_IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)["`]node:/;

describe('a browser bundle of kms-wasm', () => {
  it('bundles the default entry with esbuild defaults: dist/browser.js, nothing external, no node: import', async () => {
    const { code, inputs, imports } = await bundleForBrowser("export * from 'kms-wasm';\n");
    expect(imports).toEqual([]);
    expect(inputs.some((f) => f.endsWith('dist/browser.js'))).toBe(true);
    expect(inputs.some((f) => f.endsWith('dist/index.js'))).toBe(false);
    expect(code).not.toMatch(NODE_IMPORT);
    expect(code).toMatch(/KeyManagementService/);
  });

  it('the same bundle of kms-wasm/node fails: it needs Node', async () => {
    await expect(bundleForBrowser("export * from 'kms-wasm/node';\n")).rejects.toThrow(/Could not resolve "node:/);
  });

  it('an app that uses gcm only gets a fraction of the package (tree shaking, "sideEffects": false)', async () => {
    const all = await bundleForBrowser("export * from 'kms-wasm';\n", { minify: true });
    const gcmOnly = await bundleForBrowser("import { gcm } from 'kms-wasm';\nexport const seal = (k, iv, d) => gcm(k, iv).encrypt(d);\n", { minify: true });
    expect(gcmOnly.code.length).toBeLessThan(all.code.length / 3);
    expect(gcmOnly.code).not.toMatch(/KeyManagementService|ValidationException/);
  });

  it('the default entry carries no directory storage of ObjectStore: kms-wasm/node adds it', async () => {
    // The files only the directory store names (directory-object-metadata.ts): in the Node build, not in a browser bundle.
    const DIRECTORY_STORE = /s3-journal\.log|sse-s3-root\.key|s3-state\.json/;
    const { code } = await bundleForBrowser("export * from 'kms-wasm';\n");
    expect(code).not.toMatch(DIRECTORY_STORE);
    expect(readFileSync(new URL('../../dist/index.js', import.meta.url), 'utf8')).toMatch(DIRECTORY_STORE);
  });

  it('the default entry carries no directory storage of BlockStore: kms-wasm/node adds it', async () => {
    // The names only the block directory store uses (directory-block-metadata.ts, file-sector-storage.ts):
    // its metadata file, its sector files, its classes. In the Node build, not in a browser bundle.
    const BLOCK_DIRECTORY_STORE = [/ebs-state/, /\/sectors`/, /\.img`/, /DirectoryBlockMetadata/, /FileSectorStorage/];
    const { code } = await bundleForBrowser("export * from 'kms-wasm';\n");
    const node = readFileSync(new URL('../../dist/index.js', import.meta.url), 'utf8');
    for (const name of BLOCK_DIRECTORY_STORE) {
      expect(code).not.toMatch(name);
      expect(node).toMatch(name);
    }
  });

  it('the default entry carries no directory lock, no metadata file and no node:fs or node:path: kms-wasm/node adds them', async () => {
    // Any mention of the file-system modules (an import, or the stub dist/browser.js puts in place of
    // one), and the names only the directory lock (platform/directory-lock.ts), the atomic metadata
    // files (kms/authenticated-metadata.ts, platform/atomic-file.ts) and the query catalog's
    // directory store (query/directory-query-store.ts) use. In the Node build, not in a browser bundle.
    const FILE_SYSTEM = [/node:fs/, /node:path/, /DirectoryLock/, /AuthenticatedMetadata/, /kms-wasm-metadata v2/, /atomicWriteFile/, /DirectoryQueryStore/];
    const { code } = await bundleForBrowser("export * from 'kms-wasm';\n");
    const node = readFileSync(new URL('../../dist/index.js', import.meta.url), 'utf8');
    for (const name of FILE_SYSTEM) {
      expect(code).not.toMatch(name);
      expect(node).toMatch(name);
    }
  });

  it('dist/browser.js holds no stand-in for a Node module: the worker pool and the query engine reach Node\'s through process.getBuiltinModule', () => {
    // The build replaces a node: import left in the browser entry's graph with a module that throws (scripts/build.mjs, node-only).
    const browser = readFileSync(new URL('../../dist/browser.js', import.meta.url), 'utf8');
    expect(browser).not.toMatch(/is Node's: this build of kms-wasm is for browsers/);
    expect(readFileSync(new URL('../../scripts/build.mjs', import.meta.url), 'utf8')).toMatch(/is Node's: this build of kms-wasm is for browsers/);
  });

  it('in dist/browser.js, what needs Node fails with an error saying so', async () => {
    const lib = await import(new URL('../../dist/browser.js', import.meta.url).href);
    const kms = new lib.KeyManagementService({ account: '111122223333', region: 'us-east-1' });
    expect(() => new lib.ObjectStore({ kms, dir: 'build/never-written' }))
      .toThrow(expect.objectContaining({ name: 'InvalidArgument', message: expect.stringMatching(/^dir: .*import \{ ObjectStore \} from 'kms-wasm\/node'/) }));
    expect(() => new lib.BlockStore({ kms, dir: 'build/never-written' }))
      .toThrow(expect.objectContaining({ name: 'InvalidParameterValue', message: expect.stringMatching(/^dir: .*import \{ BlockStore \} from 'kms-wasm\/node'/) }));
    expect(() => new lib.QueryService({ s3: new lib.ObjectStore({ kms }), kms, dir: 'build/never-written' }))
      .toThrow(expect.objectContaining({ name: 'InvalidRequestException', message: expect.stringMatching(/^dir: .*import \{ QueryService \} from 'kms-wasm\/node'/) }));
    expect(existsSync('build/never-written')).toBe(false);
    // Without `dir`, the same build keeps objects and volumes in memory.
    const s3 = new lib.ObjectStore({ kms });
    await s3.createBucket({ Bucket: 'bucket' });
    await s3.putObject({ Bucket: 'bucket', Key: 'k', Body: 'in memory' });
    expect(await (await s3.getObject({ Bucket: 'bucket', Key: 'k' })).Body.transformToString()).toBe('in memory');
    const ec2 = new lib.BlockStore({ kms });
    const { VolumeId } = await ec2.createVolume({ AvailabilityZone: 'us-east-1a', Size: 1 });
    const volume = await ec2.attachVolume({ VolumeId, InstanceId: 'i-0123456789abcdef0' });
    await volume.write(0, new Uint8Array(4096).fill(7));
    expect((await volume.read(0, 1))[0]).toBe(7);
    await ec2.close();
  });
});
